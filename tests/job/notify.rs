//! The e-mail notification, sent to a real SMTP server (Python's aiosmtpd, tests/smtp_sink.py)
//! started by the test. When the machine's Python lacks aiosmtpd, the test installs it with pip
//! into the build's own directory (`target/tmp/python`, nothing system-wide), so that
//! `cargo test` alone is enough. In CI (`CI=true`) the test fails when the server cannot start;
//! elsewhere (no Python, no network for pip) it is skipped with a message.

use crate::helpers::{repo, stderr, Workspace};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Sink {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where aiosmtpd is installed when the machine's Python lacks it: the directory that goes on
/// `PYTHONPATH`, or `None` when the machine's own aiosmtpd serves.
fn aiosmtpd_path() -> Result<Option<std::path::PathBuf>, String> {
    static INSTALLED: std::sync::OnceLock<Result<Option<std::path::PathBuf>, String>> =
        std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let imports = |path: Option<&std::path::Path>| {
                let mut python = Command::new("python3");
                python.args(["-c", "import aiosmtpd"]).stdout(Stdio::null()).stderr(Stdio::null());
                if let Some(path) = path {
                    python.env("PYTHONPATH", path);
                }
                python.status().is_ok_and(|s| s.success())
            };
            if imports(None) {
                return Ok(None);
            }
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("python");
            if !imports(Some(&dir)) {
                // `--target`: into this directory only, which also suits a system Python that
                // refuses packages installed into it (PEP 668).
                let out = Command::new("python3")
                    .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"])
                    .arg(&dir)
                    .arg("aiosmtpd")
                    .output()
                    .map_err(|e| format!("python3 -m pip: {e}"))?;
                if !out.status.success() || !imports(Some(&dir)) {
                    return Err(format!(
                        "pip install aiosmtpd: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                }
            }
            Ok(Some(dir))
        })
        .clone()
}

fn start_sink(dir: std::path::PathBuf) -> Result<Sink, String> {
    let python_path = aiosmtpd_path()?;
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?.local_addr().unwrap().port();
    let mut python = Command::new("python3");
    if let Some(path) = python_path {
        python.env("PYTHONPATH", path);
    }
    let mut child = python
        .arg(repo("tests/smtp_sink.py"))
        .arg(port.to_string())
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let mut first = String::new();
    let stdout = child.stdout.take().expect("piped");
    let _ = BufReader::new(stdout).read_line(&mut first);
    if first.trim() != "READY" {
        let _ = child.kill();
        let _ = child.wait();
        return Err("tests/smtp_sink.py did not start".to_string());
    }
    Ok(Sink { child, port, dir })
}

fn sink_or_skip(ws: &Workspace) -> Option<Sink> {
    match start_sink(ws.path("mail")) {
        Ok(sink) => Some(sink),
        Err(why) => {
            assert!(std::env::var("CI").is_err(), "CI: could not start the SMTP server: {why}");
            eprintln!("skipped: could not start the SMTP server: {why}");
            None
        }
    }
}

fn messages(sink: &Sink) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(&sink.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    names.iter().map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned()).collect()
}

#[test]
fn a_run_that_ends_badly_sends_the_summary_with_the_report() {
    let ws = Workspace::new();
    let Some(sink) = sink_or_skip(&ws) else { return };
    let config = format!(
        "[notify]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\nstarttls = false\nfrom = \"alcancia@juntos.example\"\n\
         to = [\"gestion@juntos.example\", \"ti@juntos.example\"]\non = \"failure\"\n",
        sink.port
    );
    let mut toml = std::fs::read_to_string(ws.path("alcancia.toml")).unwrap();
    toml.push_str(&config);
    std::fs::write(ws.path("alcancia.toml"), toml).unwrap();

    ws.drop_into_inbox("tests/data/story/inputs");
    std::fs::write(
        ws.path("inbox/zz_broken.csv"),
        "lote,periodo,dni,cuenta,monto,referencia\nL9,2012-07,11111111,01800100000000011185,100.00,R-9\n",
    )
    .unwrap();
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let mail = messages(&sink);
    assert_eq!(mail.len(), 1, "{}", stderr(&out));
    let message = &mail[0];
    assert!(message.contains("Subject: [alcancia] run: QUARANTINED (exit 3) - 2012-07"), "{message}");
    assert!(message.contains("From: alcancia@juntos.example"), "{message}");
    assert!(message.contains("files quarantined: 1"), "{message}");
    assert!(message.contains("exceptions 2012-07: ACCOUNT_MISMATCH 1"), "{message}");
    let rcpt = std::fs::read_to_string(sink.dir.join("1/rcpt.txt")).unwrap();
    assert_eq!(rcpt, "gestion@juntos.example\nti@juntos.example");
    // The attachment is the report, byte for byte.
    let attached = std::fs::read(sink.dir.join("1/reporte-2012-07.html")).unwrap();
    assert_eq!(attached, std::fs::read(ws.path("out/2012-07/reporte.html")).unwrap());

    // A run that ends well sends nothing when `on = "failure"`.
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(messages(&sink).len(), 1);
}

#[test]
fn an_unreachable_server_does_not_change_the_exit_code() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let ws = Workspace::with_config(&format!(
        "[notify]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nstarttls = false\nfrom = \"a@b.example\"\nto = \"c@d.example\"\non = \"always\"\n"
    ));
    ws.drop_into_inbox("tests/data/story/inputs");
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("Could not send the notification."), "{}", stderr(&out));
}
