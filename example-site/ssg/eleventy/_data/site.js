module.exports = { title: "SITE-TITLE-MARKER" };
