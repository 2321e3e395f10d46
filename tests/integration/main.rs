//! One integration-test binary (faster to link than one per file).
//!
//! `support` holds the fake Instagram server and the harness that runs the
//! real `feedgen` binary against it; later test modules reuse both.

mod architecture;
mod browser;
mod build;
mod cli;
mod crash;
mod curate;
mod discovery;
mod dist;
mod docs;
mod embeds;
mod example_site;
mod export;
mod facebook;
mod faults;
mod feeds;
mod header;
mod images;
mod language;
mod outputs;
mod plugins;
mod quickstart;
mod render;
mod security;
mod ssg;
mod support;
mod token;
mod trust;
mod video;
mod watch;
