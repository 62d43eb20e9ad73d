//! The behaviour suite shared by the Python, Rust and Go bindings, on the
//! demo model: `models/dates` (or the folder in `ATTN_DEMO_MODEL`) and the
//! held-out set beside it (`models/dates-heldout.tsv`), whose outputs the C
//! tests check against transformers.

use std::env;
use std::fs;
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

use attn::{Encoding, LogLevel, Model, Options, Output, Session, Side, Status, Stream, Tokenizer};

/// Rows of the held-out set used here.
const ROWS: usize = 20;

/// A translation: text and token ids (end-of-sequence included).
#[derive(Clone, Debug, PartialEq)]
struct Translation {
    text: String,
    ids: Vec<i32>,
}

/// One held-out example and transformers' outputs for it: beam search with
/// the model's generation config (4 beams), and greedy decoding.
struct Row {
    source: String,
    source_ids: Vec<i32>,
    beam: Translation,
    greedy: Translation,
}

fn demo_dir() -> PathBuf {
    env::var_os("ATTN_DEMO_MODEL").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../models/dates"),
        PathBuf::from,
    )
}

/// The first [`ROWS`] rows of `<model folder>-heldout.tsv`.
fn rows() -> &'static [Row] {
    static ROWS_READ: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS_READ.get_or_init(|| {
        let mut path = demo_dir().into_os_string();
        path.push("-heldout.tsv");
        let path = PathBuf::from(path);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut lines = text.lines().map(|line| line.split('\t').collect::<Vec<_>>());
        let header = lines.next().expect("a header line");
        let index = |name: &str| {
            let at = header.iter().position(|h| *h == name);
            at.unwrap_or_else(|| panic!("{}: no column {name}", path.display()))
        };
        let [source, source_ids, beam, beam_ids, greedy, greedy_ids] =
            ["source", "source_ids", "beam", "beam_ids", "greedy", "greedy_ids"].map(index);
        let ids = |text: &str| text.split(' ').map(|id| id.parse().unwrap()).collect();
        lines
            .take(ROWS)
            .map(|f| Row {
                source: f[source].to_owned(),
                source_ids: ids(f[source_ids]),
                beam: Translation { text: f[beam].to_owned(), ids: ids(f[beam_ids]) },
                greedy: Translation { text: f[greedy].to_owned(), ids: ids(f[greedy_ids]) },
            })
            .collect()
    })
}

fn sources() -> Vec<&'static str> {
    rows().iter().map(|row| row.source.as_str()).collect()
}

fn expected(pick: fn(&Row) -> &Translation) -> Vec<Translation> {
    rows().iter().map(|row| pick(row).clone()).collect()
}

/// Each input's best hypothesis.
fn best(output: &Output) -> Vec<Translation> {
    (0..output.len())
        .map(|i| {
            let best = output.best(i).unwrap();
            Translation {
                text: best.text.unwrap_or_default().to_owned(),
                ids: best.tokens.to_vec(),
            }
        })
        .collect()
}

/// The demo model, loaded once for the tests that share it.
fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = demo_dir();
        Model::load(&dir, &Options::new())
            .unwrap_or_else(|e| panic!("demo model {}: {e} (set ATTN_DEMO_MODEL)", dir.display()))
    })
}

fn session(model: &Model) -> Session {
    Session::new(model, &Options::new().set("threads", 1)).unwrap()
}

fn greedy() -> Options {
    Options::new().set("num_beams", 1)
}

fn beam4() -> Options {
    Options::new().set("num_beams", 4)
}

#[test]
fn model_properties() {
    let model = model();
    assert_eq!(model.model_type(), "marian");
    let vocab_size = model.get_int("vocab_size").unwrap();
    assert_eq!(vocab_size, model.tokenizer(Side::Source).unwrap().vocab_size() as i64);
    let error = model.get_int("no_such_property").unwrap_err();
    assert_eq!(error.status(), Status::InvalidArgument);
    assert!(error.message().contains("no_such_property"), "{error}");
    assert!(!attn::version().is_empty());
}

#[test]
fn translations_match_the_c_api() {
    let mut session = session(model());
    let beam = session.translate(&sources(), &beam4()).unwrap();
    assert_eq!(best(&beam), expected(|row| &row.beam));
    let greedy = session.translate(&sources(), &greedy()).unwrap();
    assert_eq!(best(&greedy), expected(|row| &row.greedy));
}

#[test]
fn generation_from_ids_matches() {
    let mut session = session(model());
    let ids: Vec<_> = rows().iter().map(|row| &row.source_ids).collect();
    let output = session.generate(&ids, &greedy()).unwrap();
    let tokens: Vec<_> = best(&output).into_iter().map(|t| t.ids).collect();
    let greedy: Vec<_> = expected(|row| &row.greedy).into_iter().map(|t| t.ids).collect();
    assert_eq!(tokens, greedy);
}

#[test]
fn n_best_hypotheses() {
    let mut session = session(model());
    let options = beam4().set("num_return_sequences", 3);
    let output = session.translate(&sources()[..2], &options).unwrap();
    assert_eq!(output.len(), 2);
    for (i, row) in rows()[..2].iter().enumerate() {
        let hypotheses: Vec<_> = output.hypotheses(i).collect();
        assert_eq!(hypotheses.len(), 3);
        assert_eq!(hypotheses[0].text, Some(row.beam.text.as_str()));
        assert!(
            hypotheses.windows(2).all(|w| w[0].score >= w[1].score && w[0].tokens != w[1].tokens)
        );
    }
    assert_eq!(output.hypotheses(2).len(), 0);
}

#[test]
fn tokenizer_round_trip() {
    let source = model().tokenizer(Side::Source).unwrap();
    let target = model().tokenizer(Side::Target).unwrap();
    let standalone = Tokenizer::load(demo_dir(), &Options::new()).unwrap();
    assert_eq!(source.kind(), "marian");
    assert_eq!(standalone.vocab_size(), source.vocab_size());
    let skip = Options::new().set("skip_special_tokens", true);
    let none = Options::new();
    for row in rows() {
        assert_eq!(source.encode(&row.source, &none).unwrap(), row.source_ids);
        assert_eq!(standalone.encode(&row.source, &none).unwrap(), row.source_ids);
        // The source model normalises text (lower case), so its ids round-trip.
        let text = source.decode(&row.source_ids, &skip).unwrap();
        assert_eq!(source.encode(&text, &none).unwrap(), row.source_ids);
        // Target text round-trips as it is.
        assert_eq!(target.decode(&row.greedy.ids, &skip).unwrap(), row.greedy.text);
        let ids = target.encode(&row.greedy.text, &none).unwrap();
        assert_eq!(target.decode(&ids, &skip).unwrap(), row.greedy.text);
        for (tokenizer, ids) in [(&source, &row.source_ids), (&target, &ids)] {
            for &id in ids {
                let piece = tokenizer.id_to_piece(id).unwrap();
                assert_eq!(tokenizer.piece_to_id(&piece).unwrap(), id);
            }
        }
    }
}

#[test]
fn errors_carry_the_library_message() {
    let error = Model::load(demo_dir().join("no-such-folder"), &Options::new()).unwrap_err();
    assert_eq!(error.status(), Status::NotFound);
    assert!(error.message().contains("no-such-folder"), "{error}");

    let mut session = session(model());
    let options = Options::new().set("no_such_option", 1);
    let error = session.translate(&["3 mars 2021"], &options).unwrap_err();
    assert_eq!(error.status(), Status::InvalidArgument);
    assert_eq!(
        error.message(),
        "unknown option 'no_such_option' (docs/options.md lists the options)"
    );
    assert_eq!(error.to_string(), format!("invalid argument: {}", error.message()));
}

/// The log handler is global: tests that set one take turns.
static LOG_HANDLER: Mutex<()> = Mutex::new(());

#[test]
fn log_messages_reach_the_handler_until_it_is_cleared() {
    let _turn = LOG_HANDLER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let messages = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&messages);
    attn::set_log_handler(
        move |level, message: &str| sink.lock().unwrap().push((level, message.to_owned())),
        LogLevel::Info,
    )
    .unwrap();
    let loaded = Model::load(demo_dir(), &Options::new());
    attn::clear_log_handler().unwrap();
    drop(loaded.unwrap());
    let dir = demo_dir().display().to_string();
    let count = {
        let seen = messages.lock().unwrap();
        assert!(
            seen.iter().any(|(level, message)| *level == LogLevel::Info && message.contains(&dir)),
            "{seen:?}"
        );
        seen.len()
    };
    drop(Model::load(demo_dir(), &Options::new()).unwrap());
    assert_eq!(messages.lock().unwrap().len(), count);
    // the crate's handler was the only owner left of the closure's capture
    assert_eq!(Arc::strong_count(&messages), 1);
}

#[test]
fn a_panicking_log_handler_does_not_unwind_into_c() {
    let _turn = LOG_HANDLER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    attn::set_log_handler(|_, _: &str| panic!("handler panics"), LogLevel::Debug).unwrap();
    let loaded = Model::load(demo_dir(), &Options::new());
    attn::clear_log_handler().unwrap();
    loaded.unwrap();
}

#[test]
fn dropping_the_model_first_is_safe() {
    let model = Model::load(demo_dir(), &Options::new()).unwrap();
    let mut session = session(&model);
    let tokenizer = model.tokenizer(Side::Source).unwrap();
    drop(model);
    assert_eq!(tokenizer.encode(&rows()[0].source, &Options::new()).unwrap(), rows()[0].source_ids);
    let output = session.translate(&sources(), &greedy()).unwrap();
    assert_eq!(best(&output), expected(|row| &row.greedy));
}

#[test]
fn clones_and_the_sessions_model_outlive_the_original() {
    let model = Model::load(demo_dir(), &Options::new()).unwrap();
    let tokenizer = model.tokenizer(Side::Source).unwrap().clone();
    let clone = model.clone();
    let session = session(&model);
    drop(model);
    let from_session = session.model();
    drop(session);
    assert_eq!(from_session.model_type(), clone.model_type());
    drop(clone);
    assert_eq!(tokenizer.encode(&rows()[0].source, &Options::new()).unwrap(), rows()[0].source_ids);
    let mut session = self::session(&from_session);
    drop(from_session);
    let output = session.translate(&sources(), &greedy()).unwrap();
    assert_eq!(best(&output), expected(|row| &row.greedy));
}

#[test]
fn concurrent_sessions_match_sequential() {
    let translate_each = || {
        let mut session = session(model());
        let one = |source| best(&session.translate(&[source], &beam4()).unwrap()).remove(0);
        sources().into_iter().map(one).collect::<Vec<_>>()
    };
    let sequential = translate_each();
    assert_eq!(sequential, expected(|row| &row.beam));
    thread::scope(|scope| {
        let threads: Vec<_> = (0..4).map(|_| scope.spawn(translate_each)).collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), sequential);
        }
    });
}

/// The encoding of the first rows and their greedy tokens.
fn encoded(session: &mut Session) -> (Encoding, Vec<Vec<i32>>) {
    let rows = &rows()[..3];
    let ids: Vec<_> = rows.iter().map(|row| &row.source_ids).collect();
    (session.encode(&ids).unwrap(), rows.iter().map(|row| row.greedy.ids.clone()).collect())
}

/// The ids each input received from a stream.
fn collect(stream: Stream<'_>, inputs: usize) -> Vec<Vec<i32>> {
    let mut ids = vec![Vec::new(); inputs];
    for token in stream {
        let token = token.unwrap();
        ids[token.input].push(token.id);
    }
    ids
}

#[test]
fn streams_give_greedy_tokens() {
    let mut session = session(model());
    let (encoding, expected) = encoded(&mut session);

    let mut pushed = vec![Vec::new(); expected.len()];
    let output = session
        .generate_stream(&encoding, &greedy(), |token| {
            pushed[token.input].push(token.id);
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(pushed, expected);
    assert_eq!(best(&output).into_iter().map(|t| t.ids).collect::<Vec<_>>(), expected);

    let stream = session.stream(&encoding, &greedy()).unwrap();
    assert_eq!(collect(stream, expected.len()), expected);
}

#[test]
fn streams_stop_early() {
    let mut session = session(model());
    let (encoding, expected) = encoded(&mut session);
    let mut seen = 0;
    let output = session
        .generate_stream(&encoding, &greedy(), |_| {
            seen += 1;
            if seen == expected.len() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        })
        .unwrap();
    // Stopped after the first step, which gave each input one token.
    assert!((0..output.len()).all(|i| output.best(i).unwrap().tokens.len() == 1));

    let panic = catch_unwind(AssertUnwindSafe(|| {
        session.generate_stream(&encoding, &greedy(), |_| panic!("stop here"))
    }))
    .unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"stop here"));

    let error = session.stream(&encoding, &beam4()).unwrap_err();
    assert_eq!(error.status(), Status::Unsupported);
    // The session still works.
    let stream = session.stream(&encoding, &greedy()).unwrap();
    assert_eq!(collect(stream, expected.len()), expected);
}

#[test]
fn scores_of_pairs() {
    let mut session = session(model());
    let pairs: Vec<_> = rows().iter().map(|row| (&row.source, &row.greedy.text)).collect();
    let output = session.score(&pairs, &Options::new()).unwrap();
    let target = model().tokenizer(Side::Target).unwrap();
    for (i, row) in rows().iter().enumerate() {
        let scored = output.best(i).unwrap();
        assert_eq!(scored.tokens, target.encode(&row.greedy.text, &Options::new()).unwrap());
        let logprobs = scored.token_scores.unwrap();
        assert_eq!(logprobs.len(), scored.tokens.len());
        assert!((logprobs.iter().sum::<f32>() - scored.score).abs() < 1e-4);
    }
}

#[test]
fn handles_are_send_and_sync_as_documented() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Model>();
    send_sync::<Tokenizer>();
    send_sync::<Encoding>();
    send_sync::<Output>();
    send::<Session>();
    send::<Stream<'_>>();
}
