use super::*;
use proptest::prelude::*;

fn amount() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..8).prop_map(|(m, scale)| Decimal::new(m, scale))
}

fn a_date() -> impl Strategy<Value = NaiveDate> {
    // Any day from year 1 to 9999.
    (1i32..3_652_059).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).expect("a day"))
}

fn account() -> impl Strategy<Value = Text> {
    // Few distinct accounts, so that ranges hold several rows and bounds fall on rows.
    "0[0-3]{1,3}".prop_map(|s| s.as_str().into())
}

fn seq() -> impl Strategy<Value = Seq> {
    (any::<i64>(), any::<i64>()).prop_map(|(file, position)| Seq { file, position })
}

fn instruction() -> impl Strategy<Value = InstructionRec> {
    (any::<i64>(), "[A-Z0-9-]{0,12}", "[0-9]{8}", account(), amount(), "\\PC{0,30}", seq()).prop_map(
        |(id, lote, dni, cuenta, monto, referencia, seq)| InstructionRec {
            id,
            lote: lote.as_str().into(),
            dni: Dni::parse(&dni).expect("8 digits"),
            cuenta,
            monto,
            referencia: referencia.as_str().into(),
            seq,
        },
    )
}

fn entry() -> impl Strategy<Value = EntryRec> {
    (
        (any::<i64>(), account(), a_date(), amount(), any::<bool>()),
        (
            proptest::option::of("\\PC{0,30}"),
            prop_oneof![Just(EntryKind::Ordinary), Just(EntryKind::Interest), Just(EntryKind::Charge)],
        ),
        (seq(), any::<i64>(), a_date()),
    )
        .prop_map(
            |(
                (id, account, booking_date, amount, reversal),
                (referencia, kind),
                (seq, statement_id, statement_from),
            )| {
                EntryRec {
                    id,
                    account,
                    booking_date,
                    amount,
                    reversal,
                    referencia: referencia.map(|r| r.as_str().into()),
                    kind,
                    seq,
                    statement_id,
                    statement_from,
                }
            },
        )
}

fn head() -> impl Strategy<Value = StatementHead> {
    (any::<i64>(), account(), a_date(), a_date(), amount(), amount(), seq()).prop_map(
        |(id, account, from, to, opening, closing, seq)| StatementHead {
            id,
            account,
            from,
            to,
            opening,
            closing,
            seq,
        },
    )
}

/// Ranges cut from the rows' own accounts, `per_range` accounts each.
fn ranges_of<'a>(accounts: impl Iterator<Item = &'a str>, per_range: usize) -> Vec<AccountRange> {
    let mut accounts: Vec<&str> = accounts.collect();
    accounts.sort_unstable();
    accounts.dedup();
    AccountRange::split(&accounts, per_range)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Each range gets back exactly the rows on its accounts, equal to what was put (amounts
    /// exact, whatever their scale), instructions and entries in the order put, heads by
    /// (first day, delivery order).
    #[test]
    fn each_range_reads_back_exactly_its_rows(
        instructions in proptest::collection::vec(instruction(), 0..40),
        entries in proptest::collection::vec(entry(), 0..40),
        heads in proptest::collection::vec(head(), 0..40),
        per_range in 1usize..6,
    ) {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let accounts = instructions.iter().map(|i| i.cuenta.as_str())
            .chain(entries.iter().map(|e| e.account.as_str()))
            .chain(heads.iter().map(|h| h.account.as_str()));
        let ranges = ranges_of(accounts, per_range);
        let mut spill = RangeSpill::new(folder.path(), &ranges, 0).expect("a spill");
        instructions.iter().try_for_each(|r| spill.instructions.put(r)).expect("spilled");
        entries.iter().try_for_each(|r| spill.entries.put(r)).expect("spilled");
        heads.iter().try_for_each(|r| spill.heads.put(r)).expect("spilled");
        prop_assert_eq!(spill.instructions.rows() + spill.entries.rows() + spill.heads.rows(),
            instructions.len() + entries.len() + heads.len());
        let keys: Vec<(u32, Seq)> = instructions.iter().map(|i| (i.dni.number(), i.seq)).collect();
        prop_assert_eq!(spill.instructions.take_keys(), keys, "every instruction's key, in the order put");
        spill.finish_writing().expect("flushed");
        for (i, range) in ranges.iter().enumerate() {
            let (got_instructions, got_entries, got_heads) = spill.take(i).expect("read back");
            let want: Vec<_> = instructions.iter().filter(|r| range.contains(&r.cuenta)).cloned().collect();
            prop_assert_eq!(&got_instructions, &want);
            for (got, want) in got_instructions.iter().zip(&want) {
                // Equal decimals of another scale would compare equal: the scale is kept too.
                prop_assert_eq!(got.monto.scale(), want.monto.scale());
            }
            let want: Vec<_> = entries.iter().filter(|r| range.contains(&r.account)).cloned().collect();
            prop_assert_eq!(&got_entries, &want);
            let mut want: Vec<_> = heads.iter().filter(|r| range.contains(&r.account)).cloned().collect();
            want.sort_by_key(|h| (h.from, h.seq.file, h.seq.position));
            prop_assert_eq!(&got_heads, &want);
        }
    }
}

#[test]
fn a_damaged_file_is_an_error_naming_it_not_rows() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let ranges = AccountRange::split(&["01", "02"], 1);
    let mut spill = RangeSpill::new(folder.path(), &ranges, 0).expect("a spill");
    let head = StatementHead {
        id: 7,
        account: "02".into(),
        from: NaiveDate::from_ymd_opt(2012, 7, 1).expect("a day"),
        to: NaiveDate::from_ymd_opt(2012, 7, 1).expect("a day"),
        opening: Decimal::new(1050, 2),
        closing: Decimal::new(1050, 2),
        seq: Seq { file: 1, position: 2 },
    };
    spill.heads.put(&head).expect("spilled");
    spill.finish_writing().expect("flushed");
    let path = spill.heads.files[1].path.clone();
    let bytes = std::fs::read(&path).expect("the file");
    std::fs::write(&path, &bytes[..bytes.len() - 3]).expect("cut short");
    let error = format!("{:#}", spill.take(1).expect_err("a cut file is refused"));
    assert!(error.contains("a damaged row in") && error.contains("statements-0001.bin"), "{error}");
}

#[test]
fn rows_put_after_the_writing_or_read_before_it_are_refused() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let ranges = [AccountRange::all()];
    let mut spill = RangeSpill::new(folder.path(), &ranges, 0).expect("a spill");
    let early = format!("{:#}", spill.take(0).expect_err("not finished"));
    assert!(early.contains("before its spill was finished"), "{early}");
    spill.finish_writing().expect("flushed");
    let head = StatementHead {
        id: 1,
        account: "01".into(),
        from: NaiveDate::from_ymd_opt(2012, 7, 1).expect("a day"),
        to: NaiveDate::from_ymd_opt(2012, 7, 1).expect("a day"),
        opening: Decimal::ZERO,
        closing: Decimal::ZERO,
        seq: Seq::default(),
    };
    let late = format!("{:#}", spill.heads.put(&head).expect_err("finished"));
    assert!(late.contains("after the writing was finished"), "{late}");
}

#[test]
fn the_folder_goes_with_the_spill_and_a_left_one_goes_with_the_next() {
    let parent = tempfile::tempdir().expect("a temporary folder");
    let left = parent.path().join(format!("{FOLDER_PREFIX}killed"));
    std::fs::create_dir(&left).expect("a folder a killed run left");
    std::fs::write(left.join("entries-0000.bin"), b"rows").expect("a file in it");
    let spill = RangeSpill::new(parent.path(), &[AccountRange::all()], 0).expect("a spill");
    assert!(!left.exists(), "the left folder is removed");
    let listed = || std::fs::read_dir(parent.path()).expect("listed").count();
    assert_eq!(listed(), 1);
    drop(spill);
    assert_eq!(listed(), 0, "the spill's own folder is removed with it");
}
