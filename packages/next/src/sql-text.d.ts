/** SQL files imported as text: esbuild's text loader in build.mjs, jest's test/support/next/sql-text-transform.js. */
declare module '*.sql' {
  const text: string;
  export default text;
}
