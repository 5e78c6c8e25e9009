// The text pdf.js (Firefox's viewer) gives for search and copy, for tests/textcompare.py.
// Usage: node pdfjs_text.mjs <file URL of pdfjs-dist/legacy/build/pdf.mjs> <file.pdf>
import { readFileSync } from "node:fs";

const [, , moduleUrl, file] = process.argv;
const pdfjs = await import(moduleUrl);
const document = await pdfjs.getDocument({ data: new Uint8Array(readFileSync(file)), verbosity: 0 })
  .promise;
const parts = [];
for (let number = 1; number <= document.numPages; number++) {
  const page = await document.getPage(number);
  // As the find controller joins them: each item's string, a line break where a line ends.
  for (const item of (await page.getTextContent()).items) {
    parts.push(item.str);
    if (item.hasEOL) parts.push("\n");
  }
  parts.push("\n");
}
process.stdout.write(parts.join(""));
