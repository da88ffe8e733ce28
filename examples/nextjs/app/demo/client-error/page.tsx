import { InvoicePreview } from './invoice-preview';

/** A page whose client component fails while rendering in the browser: the root layout's boundary catches it. */
export default function ClientErrorDemo() {
  return (
    <main>
      <h1>Invoice</h1>
      <InvoicePreview />
    </main>
  );
}
