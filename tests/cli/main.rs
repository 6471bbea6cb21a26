//! End-to-end tests: the real binary on small fixture courses in temporary folders, one
//! module per feature (just's integration tests are the model). Fixture exercises use no
//! dependencies, so each check builds in well under a second.

mod builder;
mod support;

mod dev;
mod faults;
mod first_hour;
mod grade;
mod init;
mod isolation;
mod mutants;
mod report_html;
mod report_specs;
mod reports;
mod run;
mod screens;
mod shards;
mod trust;
mod usage;
mod warm;
mod watch;
mod wording;
