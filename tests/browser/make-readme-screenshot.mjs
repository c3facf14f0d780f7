// Takes docs/demo.png, the README's picture of the demo (not a test):
//   node tests/browser/make-readme-screenshot.mjs
// The agency scenario's access matrix, with a what-if change (Nora is no longer read-only) highlighted.
import { join } from "node:path";
import { ROOT, chooseScenario, launch, openPage, preflight, startServer } from "./helpers.mjs";

preflight();
const server = await startServer();
const browser = await launch();
try {
  const page = await openPage(browser, server.url, { width: 1440, height: 860 });
  await chooseScenario(page, "agency-extranet");
  await page.click("#tab-matrix");
  await page.selectOption("#whatif-user", "nora");
  await page.uncheck("#whatif-readOnly");
  await page.waitForSelector("#matrix td.cell.changed");
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(ROOT, "docs/demo.png") });
  if (page.errors.length) throw new Error(page.errors.join("\n"));
  console.log("wrote docs/demo.png");
} finally {
  await browser.close();
  await server.stop();
}
