//! What `check` reports: a line per test case as it finishes, the summary table, the JUnit
//! XML (quick-junit) and the exit code (docs/testing-in-ci.md#callhost-check).
//!
//! Invariant: one test case per built-in check and per scenario; a failure's message says
//! what was expected and what came instead.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use quick_junit::{NonSuccessKind, Report as Junit, TestCase, TestCaseStatus, TestSuite};

/// How a test case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

/// One finished test case.
#[derive(Debug, Clone)]
pub struct Case {
    /// `conformance` or `scenario`.
    pub suite: &'static str,
    pub name: String,
    pub outcome: Outcome,
    pub time: Duration,
    /// What was seen along the way (warnings, console errors, each step's outcome).
    pub notes: Vec<String>,
}

#[derive(Default)]
pub struct Report {
    pub cases: Vec<Case>,
}

impl Report {
    /// Records a case and prints its progress line.
    pub fn add(&mut self, case: Case) {
        let (mark, tail) = match &case.outcome {
            Outcome::Passed => ("ok  ", String::new()),
            Outcome::Failed(m) => ("FAIL", format!(": {m}")),
            Outcome::Skipped(m) => ("skip", format!(": {m}")),
        };
        println!(
            "  {mark} {} / {} ({} ms){tail}",
            case.suite,
            case.name,
            case.time.as_millis()
        );
        for note in &case.notes {
            println!("         {note}");
        }
        let _ = std::io::stdout().flush();
        self.cases.push(case);
    }

    pub fn failed(&self) -> bool {
        self.cases
            .iter()
            .any(|c| matches!(c.outcome, Outcome::Failed(_)))
    }

    /// The summary table.
    pub fn print_summary(&self, total: Duration) {
        let width = self
            .cases
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        println!();
        println!("  {:<11} {:<width$}  {:>7}  result", "suite", "case", "ms");
        for case in &self.cases {
            let result = match case.outcome {
                Outcome::Passed => "passed",
                Outcome::Failed(_) => "FAILED",
                Outcome::Skipped(_) => "skipped",
            };
            println!(
                "  {:<11} {:<width$}  {:>7}  {result}",
                case.suite,
                case.name,
                case.time.as_millis()
            );
        }
        let count = |f: fn(&Outcome) -> bool| self.cases.iter().filter(|c| f(&c.outcome)).count();
        println!(
            "\n  {} passed, {} failed, {} skipped in {:.1} s",
            count(|o| *o == Outcome::Passed),
            count(|o| matches!(o, Outcome::Failed(_))),
            count(|o| matches!(o, Outcome::Skipped(_))),
            total.as_secs_f64()
        );
    }

    /// The JUnit XML: a suite `conformance` and a suite `scenarios`.
    pub fn junit(&self, total: Duration) -> anyhow::Result<String> {
        let mut report = Junit::new("callhost check");
        report.set_time(total);
        for (suite_name, kind) in [("conformance", "conformance"), ("scenarios", "scenario")] {
            let mut suite = TestSuite::new(suite_name);
            for case in self.cases.iter().filter(|c| c.suite == kind) {
                let status = match &case.outcome {
                    Outcome::Passed => TestCaseStatus::success(),
                    Outcome::Failed(message) => {
                        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        status.set_message(message.as_str());
                        status.set_type("conformance");
                        status
                    }
                    Outcome::Skipped(message) => {
                        let mut status = TestCaseStatus::skipped();
                        status.set_message(message.as_str());
                        status
                    }
                };
                let mut test = TestCase::new(case.name.as_str(), status);
                test.set_classname(format!("callhost.{suite_name}"));
                test.set_time(case.time);
                if !case.notes.is_empty() {
                    test.set_system_out(case.notes.join("\n"));
                }
                suite.add_test_case(test);
            }
            if !suite.test_cases.is_empty() {
                report.add_test_suite(suite);
            }
        }
        Ok(report.to_string()?)
    }
}

pub fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
