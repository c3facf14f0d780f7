// Takes docs/demo.png, the README's picture of the demo (not a test):
//   node tests/browser/make-readme-screenshot.mjs
// The agency scenario seen as one of its clients, with the explanation of one verdict open.
import { join } from "node:path";
import { ROOT, chooseScenario, launch, openPage, preflight, startServer, viewAs } from "./helpers.mjs";

preflight();
const server = await startServer();
const browser = await launch();
try {
  const page = await openPage(browser, server.url, { width: 1440, height: 860 });
  await chooseScenario(page, "agency-extranet");
  await viewAs(page, "anne.sapins");
  await page.click('#viewas-table tr[data-record-id="doc-sapins-brief"] th button');
  await page.waitForSelector("#detail:not([hidden]) #detail-headline");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(ROOT, "docs/demo.png") });
  if (page.errors.length) throw new Error(page.errors.join("\n"));
  console.log("wrote docs/demo.png");
} finally {
  await browser.close();
  await server.stop();
}
