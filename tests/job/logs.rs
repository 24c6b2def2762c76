//! Logs: JSON lines when asked, one summary line per run, and never a full DNI, account number
//! or name, even at trace level and when a file with personal data is quarantined.

use crate::helpers::{repo, stderr, Workspace};

/// Every DNI, account and name in the story's inputs.
fn personal_data() -> Vec<String> {
    let roster = std::fs::read(repo("tests/data/story/inputs/2012-07_01_padron.csv")).unwrap();
    // The roster is Windows-1252, whose letters here are Latin-1's.
    let roster: String = roster.iter().map(|b| char::from(*b)).collect();
    let mut out = Vec::new();
    for line in roster.lines().skip(1) {
        let cells: Vec<&str> = line.split(';').collect();
        out.extend([cells[1], cells[2], cells[3], cells[4], cells[11]].map(str::to_owned));
    }
    for name in ["2012-07_02_lote.csv", "2012-07_03_movimientos_01.csv", "2012-07_04_movimientos_02.csv"] {
        let text = std::fs::read_to_string(repo("tests/data/story/inputs").join(name)).unwrap();
        for line in text.lines().skip(1) {
            for cell in line.split([',', ';']) {
                if cell.len() == 20 || (cell.len() == 8 && cell.bytes().all(|b| b.is_ascii_digit())) {
                    out.push(cell.to_owned());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A roster for August whose errors quote a DNI, an account and a name.
const BAD_ROSTER: &str = "periodo,dni,nombres,apellido_paterno,apellido_materno,ubigeo,departamento,provincia,distrito,grupo,estado,cuenta,monto,agencia,distancia_km\n\
2012-08,11111111,María,Quispe,Huamán,080803,CUSCO,ESPINAR,COPORAQUE,PILOTO,ACTIVO,01800100000000011185,100,,\n\
2012-08,11111111,María,Quispe,Huamán,080803,CUSCO,ESPINAR,COPORAQUE,PILOTO,ACTIVO,01800100000000011186,100,,\n\
2012-08,2222222X,Rosa,Peña,Mamani,080803,CUSCO,ESPINAR,COPORAQUE,PILOTO,ACTIVA,01800100000000022280,-5,,\n";

#[test]
fn json_logs_at_trace_level_never_carry_a_dni_an_account_or_a_name() {
    let ws = Workspace::with_config("[log]\nformat = \"json\"\nlevel = \"trace\"\n");
    ws.drop_into_inbox("tests/data/story/inputs");
    std::fs::write(ws.path("inbox/2012-08_01_padron.csv"), BAD_ROSTER).unwrap();
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let log = stderr(&out);
    // The quarantine report keeps the details for the person who fixes the file.
    let report = std::fs::read_dir(ws.path("quarantine"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".report.txt"))
        .unwrap();
    assert!(std::fs::read_to_string(report).unwrap().contains("line 3"));

    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().any(|l| l["level"] == "TRACE" || l["level"] == "DEBUG" || l["level"] == "INFO"));
    let finished: Vec<_> = lines.iter().filter(|l| l["message"] == "Run finished.").collect();
    assert_eq!(finished.len(), 1, "one summary line per run");
    assert_eq!(finished[0]["exit_code"], 3);
    assert_eq!(finished[0]["files_quarantined"], 1);
    assert!(lines.iter().any(|l| l["message"] == "Quarantined a file." && l["first_at"] == "line 3"));

    let private = personal_data();
    assert!(private.len() > 30, "{private:?}");
    for value in &private {
        assert!(!log.contains(value.as_str()), "{value:?} appears in the log:\n{log}");
    }
    for value in ["María", "Quispe", "Huamán", "Peña", "2222222X", "01800100000000011186"] {
        assert!(!log.contains(value), "{value:?} appears in the log");
    }
}

#[test]
fn text_logs_off_a_terminal_with_auto_are_json() {
    let ws = Workspace::with_config("[log]\nformat = \"auto\"\nlevel = \"info\"\n");
    ws.drop_into_inbox("tests/data/story/inputs");
    let out = ws.alcancia(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(log.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()), "{log}");
    // No progress bar under a pipe (as under cron).
    assert!(!log.contains("files ("), "{log}");
}
