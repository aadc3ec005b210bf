// Every card file in a folder, parsed and validated by the official Adaptive Cards SDK
// (the `adaptivecards` package the renderers are built on), as a host does before rendering.
// Prints {"file.json": [[phase, event, message], ...]} for each card the SDK has anything to say
// about, so `{}` means every card passed. Usage: node official_renderer.cjs <folder>
"use strict";
const AC = require("adaptivecards/dist/adaptivecards.js");
const fs = require("fs");
const path = require("path");

const folder = process.argv[2];
const found = {};
for (const name of fs.readdirSync(folder).filter((n) => n.endsWith(".json")).sort()) {
  const json = JSON.parse(fs.readFileSync(path.join(folder, name), "utf8"));
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(json, context);
  const events = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    events.push([AC.ValidationPhase[e.phase], AC.ValidationEvent[e.event], e.message]);
  }
  for (const e of card.validateProperties().validationEvents) {
    events.push([AC.ValidationPhase[e.phase], AC.ValidationEvent[e.event], e.message]);
  }
  if (events.length) found[name] = events;
}
process.stdout.write(JSON.stringify(found, null, 1) + "\n");
