// Writes a Coop-layout export with exceljs 4.4 — the library La Coop writes its XLSX exports with —
// from the rows of tests/activities/coop_files.py:sheet_rows (JSON on stdin), to the path in argv[2].
// Our own code, from the facts of /work/shared/standards/coop-export.md: one sheet « Activités », bold
// block titles, real date cells (dd/mm/yyyy) in « Date », the header and data rows inside an Excel
// table named « Activités », texts in the shared-strings table (exceljs's default).
// Run by make_fixtures.py; see README.md in this folder.
const ExcelJS = require("exceljs");
const { readFileSync } = require("node:fs");

const { rows, header } = JSON.parse(readFileSync(0, "utf8"));
const names = rows[header - 1];
const dateColumn = names.indexOf("Date");
const book = new ExcelJS.Workbook();
const sheet = book.addWorksheet("Activités");
const cell = (value, column) =>
  column === dateColumn && typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(`${value}T00:00:00Z`)
    : value;
rows.slice(0, header - 1).forEach((values, index) => {
  const row = sheet.getRow(index + 1);
  values.forEach((value, column) => {
    row.getCell(column + 1).value = value;
  });
});
sheet.getCell("A1").font = { bold: true };
sheet.getCell("A9").font = { bold: true };
sheet.addTable({
  name: "Activités",
  ref: `A${header}`,
  headerRow: true,
  style: { theme: "TableStyleMedium2", showRowStripes: true },
  columns: names.map((name) => ({ name, filterButton: true })),
  rows: rows.slice(header).map((values) => values.map(cell)),
});
for (let line = header + 1; line <= rows.length; line += 1) {
  sheet.getRow(line).getCell(dateColumn + 1).numFmt = "dd/mm/yyyy";
}
book.xlsx.writeFile(process.argv[2]).catch((error) => {
  console.error(error);
  process.exit(1);
});
