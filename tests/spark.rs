//! The Spark driver (`scale/spark/cxmine_spark.py`) in Spark local mode: its reports are
//! byte-identical to `cxmine analyze` of the same corpus, a failed partition is named, and
//! partials that do not belong together are refused (the checks themselves are in
//! `scale/spark/test_cxmine_spark.py`).
//!
//! Spark is not a build dependency: the test runs only when `CXMINE_SPARK_VENV` names a
//! Python virtual environment with pyspark (`bash .ci/run` prepares `target/pyspark-venv`
//! and sets it) and Java is installed; otherwise it says why and passes, so a plain
//! `cargo test` stays fast.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The virtual environment's `bin` directory, or why the test cannot run.
fn spark_bin() -> Result<PathBuf, String> {
    let venv = std::env::var_os("CXMINE_SPARK_VENV")
        .ok_or("CXMINE_SPARK_VENV is not set (bash .ci/run prepares a pyspark environment)")?;
    if Command::new("java").arg("-version").output().is_err() {
        return Err("Java is not installed (Spark needs Java 17 or later)".into());
    }
    let bin = Path::new(&venv).join("bin");
    // Named but broken is a failure, not a reason to skip.
    assert!(
        bin.join("spark-submit").is_file(),
        "CXMINE_SPARK_VENV={} has no bin/spark-submit",
        Path::new(&venv).display()
    );
    Ok(bin)
}

#[test]
fn spark_local_mode_report_equals_one_machine_run() {
    let bin = match spark_bin() {
        Ok(bin) => bin,
        Err(why) => {
            eprintln!("skipping the Spark driver test: {why}");
            return;
        }
    };
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let out = Command::new(bin.join("spark-submit"))
        .args([
            "--master",
            "local[2]",
            "--conf",
            "spark.sql.shuffle.partitions=4",
        ])
        .arg("scale/spark/test_cxmine_spark.py")
        .args(["--cxmine", env!("CARGO_BIN_EXE_cxmine")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path)
        .output()
        .expect("run spark-submit");
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("all Spark driver checks passed"),
        "the Spark driver checks failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
