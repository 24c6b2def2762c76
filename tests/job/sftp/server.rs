//! A real OpenSSH server for one test: host key and user keys generated with `ssh-keygen` in a
//! temp dir, `sshd -D -e -f <config>` on a free loopback port serving `served/` over
//! internal-sftp, killed (with its per-connection children) on drop. Outside CI a machine
//! without sshd skips the SFTP tests loudly; in CI (`CI=true`) they fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Passphrase of the user key (given to alcancia through the environment).
pub const PASSPHRASE: &str = "clave de prueba";

pub struct SshServer {
    pub dir: tempfile::TempDir,
    pub port: u16,
    sshd: PathBuf,
    child: Mutex<Option<Child>>,
}

fn sshd_binary() -> Option<PathBuf> {
    let candidates = [PathBuf::from("/usr/sbin/sshd"), PathBuf::from("/usr/local/sbin/sshd")];
    candidates.into_iter().find(|p| p.is_file()).or_else(|| {
        // sshd must be started by its absolute path.
        let out = Command::new("sh").args(["-c", "command -v sshd"]).output().ok()?;
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        path.is_absolute().then_some(path)
    })
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn keygen(path: &Path, passphrase: &str) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-C", "alcancia-test", "-N", passphrase, "-f"])
        .arg(path)
        .status()
        .expect("run ssh-keygen");
    assert!(status.success(), "ssh-keygen failed");
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

impl SshServer {
    /// Starts a server, or `None` (after a loud message) when sshd is missing outside CI.
    pub fn start() -> Option<Self> {
        let Some(sshd) = sshd_binary() else {
            assert!(!in_ci(), "sshd is missing: CI must install openssh-server (.ci/run does)");
            eprintln!("\n!!! SKIPPED: no sshd on this machine (apt-get install openssh-server); SFTP tests did not run !!!\n");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        keygen(&dir.path().join("host_key"), "");
        keygen(&dir.path().join("other_host_key"), "");
        keygen(&dir.path().join("user_key"), PASSPHRASE);
        keygen(&dir.path().join("other_user_key"), "");
        std::fs::copy(dir.path().join("user_key.pub"), dir.path().join("authorized_keys"))
            .expect("authorized_keys");
        std::fs::create_dir_all(dir.path().join("served")).expect("served");
        // sshd wants its privilege-separation directory.
        let _ = std::fs::create_dir_all("/run/sshd");
        let mut server = Self { dir, port: 0, sshd, child: Mutex::new(None) };
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                server.write_known_hosts(&server.path("known_hosts"), "host_key.pub");
                return Some(server);
            }
        }
        panic!("sshd did not start; see {}", server.path("sshd.log").display());
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// The folder the server serves.
    pub fn served(&self) -> PathBuf {
        self.path("served")
    }

    pub fn user(&self) -> String {
        current_user()
    }

    /// Writes a known_hosts file pinning the given public host key for this server.
    pub fn write_known_hosts(&self, file: &Path, public_key: &str) {
        self.write_known_hosts_for(file, public_key, self.port);
    }

    /// As [`SshServer::write_known_hosts`], for the server reached through another port.
    pub fn write_known_hosts_for(&self, file: &Path, public_key: &str, port: u16) {
        let key = std::fs::read_to_string(self.path(public_key)).expect("public key");
        let mut fields = key.split_whitespace();
        let (kind, blob) = (fields.next().expect("type"), fields.next().expect("blob"));
        std::fs::write(file, format!("# test server\n[127.0.0.1]:{port} {kind} {blob}\n"))
            .expect("known_hosts");
    }

    /// The `SHA256:…` fingerprint of a public key, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self, public_key: &str) -> String {
        let out =
            Command::new("ssh-keygen").arg("-lf").arg(self.path(public_key)).output().expect("ssh-keygen -l");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.split_whitespace().nth(1).expect("fingerprint").to_owned()
    }

    fn write_config(&self) {
        let d = self.dir.path().display();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\nUsePAM no\n\
             PermitRootLogin prohibit-password\nStrictModes no\nPidFile {d}/sshd.pid\n\
             Subsystem sftp internal-sftp\nLogLevel ERROR\nMaxStartups 50\n",
            port = self.port
        );
        std::fs::write(self.path("sshd_config"), config).expect("sshd_config");
    }

    /// Starts sshd and waits until it accepts connections; false if it exited.
    fn spawn(&self) -> bool {
        self.write_config();
        let log = std::fs::File::create(self.path("sshd.log")).expect("log");
        let child = Command::new(&self.sshd)
            .args(["-D", "-e", "-f"])
            .arg(self.path("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn sshd");
        *self.child.lock().expect("lock") = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(child) = self.child.lock().expect("lock").as_mut() {
                if child.try_wait().expect("try_wait").is_some() {
                    return false;
                }
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Stops sshd and every per-connection process it forked.
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().expect("lock").take() {
            let mut pids = descendants(child.id());
            pids.push(child.id());
            for pid in pids {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
            let _ = child.wait();
        }
    }

    /// Starts sshd again on the same port with the same keys.
    pub fn restart(&self) {
        assert!(self.spawn(), "sshd did not restart; see {}", self.path("sshd.log").display());
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Every process below `pid`, from `/proc`.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // `pid (comm) state ppid …`; comm may hold spaces, so read after the last ')'.
        let ppid =
            stat.rsplit(')').next().and_then(|rest| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((child, ppid));
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}
