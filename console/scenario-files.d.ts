/** A drill scenario file, bundled by esbuild as its text (client/api/console-assets.ts's loader). */
declare module '*.yaml' {
  const text: string;
  export default text;
}
