// Prints decisions as a small table, for the examples.
export function table(engine, users, records, actions = ["view", "edit", "delete"]) {
  const rows = [];
  for (const user of users) {
    for (const rec of records) {
      const id = typeof rec === "string" ? rec : rec.id ?? "(new)";
      const cells = actions.map((a) => {
        const d = engine.decide(user, a, rec);
        return `${a}:${d.allowed ? "yes" : "no "}`;
      });
      const why = engine.decide(user, "view", rec).reasons.join(", ");
      rows.push(`  ${user.padEnd(10)} ${id.padEnd(14)} ${cells.join("  ")}   ${why}`);
    }
  }
  console.log(rows.join("\n"));
}
export const title = (t) => console.log(`\n== ${t} ==`);
