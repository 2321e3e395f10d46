// The feed written by `feedgen build` into feed/: the fragment and the JSON data.
const fs = require("node:fs");
module.exports = {
  html: fs.readFileSync("feed/feed.html", "utf8"),
  ...JSON.parse(fs.readFileSync("feed/feed.json", "utf8")),
};
