//! Checks the declarations of `attn-sys` against `include/attn.h`.
//!
//! The table below states every declaration with Rust types. Each entry is
//! checked at compile time against `attn_sys` (exact types), and at run time
//! against the header: the same names, and each C type mapped to the table's
//! Rust type by a fixed mapping. Any `attn_*`/`ATTN_*` name in `src/lib.rs`
//! must be declared by the header too.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

#[allow(unused_imports)] // the table's types name some of these
use attn_sys::*;
#[allow(unused_imports)]
use std::ffi::{c_char, c_void};

/// One declaration, with types written as Rust types without whitespace.
#[derive(Debug, PartialEq)]
enum Decl {
    Const(i64),
    Struct,
    Alias(String),
    Callback(Sig),
    Function(Sig),
}

#[derive(Debug, PartialEq)]
struct Sig {
    params: Vec<String>,
    /// Empty for `void`.
    ret: String,
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

/// Compiles only when both markers name one type.
fn same_type<T>(_: std::marker::PhantomData<T>, _: std::marker::PhantomData<T>) {}

macro_rules! sig {
    ($($p:ty),*; $($r:ty)?) => {
        Sig { params: vec![$(squeeze(stringify!($p))),*], ret: squeeze(concat!("" $(, stringify!($r))?)) }
    };
}

macro_rules! declarations {
    (
        consts { $($c:ident: $cty:ty),* $(,)? }
        structs { $($s:ident),* $(,)? }
        aliases { $($a:ident = $aty:ty),* $(,)? }
        callbacks { $($cb:ident = fn($($cbp:ty),*) $(-> $cbr:ty)?),* $(,)? }
        functions { $($f:ident($($p:ty),*) $(-> $r:ty)?;)* }
    ) => {
        fn table() -> BTreeMap<String, Decl> {
            use std::marker::PhantomData as P;
            $(let _: $cty = $c;)*
            $(same_type(P::<$a>, P::<$aty>);)*
            $(same_type(P::<$cb>, P::<Option<unsafe extern "C" fn($($cbp),*) $(-> $cbr)?>>);)*
            $(let _: unsafe extern "C" fn($($p),*) $(-> $r)? = $f;)*
            let mut t = BTreeMap::new();
            $(t.insert(stringify!($c).to_owned(), Decl::Const(i64::from($c)));)*
            $(t.insert(stringify!($s).to_owned(), Decl::Struct);
              let _: P<$s>;)*
            $(t.insert(stringify!($a).to_owned(), Decl::Alias(squeeze(stringify!($aty))));)*
            $(t.insert(stringify!($cb).to_owned(), Decl::Callback(sig!($($cbp),*; $($cbr)?)));)*
            $(t.insert(stringify!($f).to_owned(), Decl::Function(sig!($($p),*; $($r)?)));)*
            t
        }
    };
}

declarations! {
    consts {
        ATTN_VERSION_MAJOR: u32, ATTN_VERSION_MINOR: u32, ATTN_VERSION_PATCH: u32,
        ATTN_VERSION_NUMBER: u32,
        ATTN_OK: attn_status, ATTN_E_INVALID_ARGUMENT: attn_status,
        ATTN_E_NOT_FOUND: attn_status, ATTN_E_FORMAT: attn_status,
        ATTN_E_UNSUPPORTED: attn_status, ATTN_E_NO_MEMORY: attn_status,
        ATTN_E_IO: attn_status, ATTN_E_BUFFER_TOO_SMALL: attn_status,
        ATTN_E_ABORTED: attn_status, ATTN_E_INTERNAL: attn_status,
        ATTN_LOG_ERROR: i32, ATTN_LOG_WARN: i32, ATTN_LOG_INFO: i32, ATTN_LOG_DEBUG: i32,
        ATTN_TOKENIZER_SOURCE: i32, ATTN_TOKENIZER_TARGET: i32,
    }
    structs {
        attn_options, attn_model, attn_session, attn_encoding, attn_result, attn_stream,
        attn_tokenizer,
    }
    aliases { attn_status = i32 }
    callbacks {
        attn_log_fn = fn(*mut c_void, i32, *const c_char),
        attn_token_fn = fn(*mut c_void, usize, i32, f32) -> i32,
    }
    functions {
        attn_version() -> u32;
        attn_version_string() -> *const c_char;
        attn_check_version(u32) -> attn_status;
        attn_status_string(attn_status) -> *const c_char;
        attn_last_error() -> *const c_char;
        attn_set_log_callback(attn_log_fn, *mut c_void, i32) -> attn_status;
        attn_options_create(*mut *mut attn_options) -> attn_status;
        attn_options_set_int(*mut attn_options, *const c_char, i64) -> attn_status;
        attn_options_set_float(*mut attn_options, *const c_char, f64) -> attn_status;
        attn_options_set_str(*mut attn_options, *const c_char, *const c_char) -> attn_status;
        attn_options_free(*mut attn_options);
        attn_model_load(*const c_char, *const attn_options, *mut *mut attn_model) -> attn_status;
        attn_model_free(*mut attn_model);
        attn_model_retain(*mut attn_model) -> *mut attn_model;
        attn_model_type(*const attn_model) -> *const c_char;
        attn_model_get_int(*const attn_model, *const c_char, *mut i64) -> attn_status;
        attn_session_create(*mut attn_model, *const attn_options, *mut *mut attn_session)
            -> attn_status;
        attn_session_free(*mut attn_session);
        attn_session_model(*const attn_session) -> *mut attn_model;
        attn_encode(*mut attn_session, *const i32, *const usize, usize, *mut *mut attn_encoding)
            -> attn_status;
        attn_encoding_free(*mut attn_encoding);
        attn_encoding_output(*const attn_encoding, *mut *const f32, *mut usize, *mut usize,
            *mut usize) -> attn_status;
        attn_decoder_begin(*mut attn_session, *const attn_encoding, *const usize, usize, usize)
            -> attn_status;
        attn_decoder_step(*mut attn_session, *const i32, usize, *mut *const f32) -> attn_status;
        attn_decoder_forward(*mut attn_session, *const attn_encoding, *const i32, usize,
            *mut *const f32) -> attn_status;
        attn_decoder_cross_attention(*mut attn_session, usize, *mut *const f32, *mut usize)
            -> attn_status;
        attn_generate(*mut attn_session, *const attn_encoding, *const attn_options,
            *mut *mut attn_result) -> attn_status;
        attn_generate_stream(*mut attn_session, *const attn_encoding, *const attn_options,
            attn_token_fn, *mut c_void, *mut *mut attn_result) -> attn_status;
        attn_generate_ids(*mut attn_session, *const i32, *const usize, usize,
            *const attn_options, *mut *mut attn_result) -> attn_status;
        attn_stream_open(*mut attn_session, *const attn_encoding, *const attn_options,
            *mut *mut attn_stream) -> attn_status;
        attn_stream_next(*mut attn_stream, *mut usize, *mut i32, *mut f32) -> attn_status;
        attn_stream_free(*mut attn_stream);
        attn_result_count(*const attn_result) -> usize;
        attn_result_hypotheses(*const attn_result, usize) -> usize;
        attn_result_hypothesis(*const attn_result, usize, usize, *mut *const i32, *mut usize,
            *mut f32) -> attn_status;
        attn_score(*mut attn_session, *const attn_encoding, *const i32, *const usize,
            *const attn_options, *mut *mut attn_result) -> attn_status;
        attn_result_token_scores(*const attn_result, usize, usize, *mut *const f32, *mut usize)
            -> attn_status;
        attn_result_alignment(*const attn_result, usize, usize, *mut *const f32, *mut usize,
            *mut usize) -> attn_status;
        attn_result_free(*mut attn_result);
        attn_tokenizer_load(*const c_char, *const attn_options, *mut *mut attn_tokenizer)
            -> attn_status;
        attn_model_tokenizer(*const attn_model, i32, *mut *mut attn_tokenizer) -> attn_status;
        attn_tokenizer_free(*mut attn_tokenizer);
        attn_tokenizer_retain(*mut attn_tokenizer) -> *mut attn_tokenizer;
        attn_tokenizer_kind(*const attn_tokenizer) -> *const c_char;
        attn_tokenizer_vocab_size(*const attn_tokenizer) -> usize;
        attn_tokenizer_encode(*const attn_tokenizer, *const c_char, usize, *const attn_options,
            *mut i32, usize, *mut usize) -> attn_status;
        attn_tokenizer_decode(*const attn_tokenizer, *const i32, usize, *const attn_options,
            *mut c_char, usize, *mut usize) -> attn_status;
        attn_tokenizer_id_to_piece(*const attn_tokenizer, i32, *mut c_char, usize, *mut usize)
            -> attn_status;
        attn_tokenizer_piece_to_id(*const attn_tokenizer, *const c_char, usize, *mut i32)
            -> attn_status;
        attn_translate(*mut attn_session, *const *const c_char, *const usize, usize,
            *const attn_options, *mut *mut attn_result) -> attn_status;
        attn_score_text(*mut attn_session, *const *const c_char, *const usize,
            *const *const c_char, *const usize, usize, *const attn_options,
            *mut *mut attn_result) -> attn_status;
        attn_result_text(*const attn_result, usize, usize, *mut *const c_char, *mut usize)
            -> attn_status;
    }
}

/// The Rust type of a C type: `const` and `*` in C order, then the fixed
/// mapping of base types. "void" alone is the empty return type.
fn rust_type(c: &str) -> String {
    let spaced = c.replace('*', " * ");
    let mut base = None;
    let mut base_const = false;
    let mut stars: Vec<bool> = Vec::new(); // whether each pointer is itself const
    for tok in spaced.split_whitespace() {
        match (tok, stars.last_mut()) {
            ("*", _) => stars.push(false),
            ("const", None) => base_const = true,
            ("const", Some(star)) => *star = true,
            (name, _) => assert!(base.replace(name).is_none(), "unsupported C type `{c}`"),
        }
    }
    let base = base.unwrap_or_else(|| panic!("no type in `{c}`"));
    let mut rust = match base {
        "void" if stars.is_empty() => return String::new(),
        "void" => "c_void",
        "char" => "c_char",
        "int32_t" => "i32",
        "int64_t" => "i64",
        "uint32_t" => "u32",
        "size_t" => "usize",
        "float" => "f32",
        "double" => "f64",
        name if name.starts_with("attn_") => name,
        other => panic!("no Rust mapping for C type `{other}` in `{c}`"),
    }
    .to_owned();
    let mut pointee_const = base_const;
    for star_const in stars {
        rust = format!("*{}{rust}", if pointee_const { "const" } else { "mut" });
        pointee_const = star_const;
    }
    rust
}

/// Splits "type name" into the declared name and its type.
fn split_declarator(decl: &str) -> (&str, &str) {
    let decl = decl.trim();
    let at = decl.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(0);
    let (ty, name) = decl.split_at(at + 1);
    assert!(!name.is_empty() && !ty.trim().is_empty(), "cannot split `{decl}`");
    (name, ty)
}

/// A parameter list "(type name, ...)" without its parentheses.
fn params(list: &str) -> Vec<String> {
    match list.trim() {
        "void" => Vec::new(),
        list => list.split(',').map(|p| rust_type(split_declarator(p).1)).collect(),
    }
}

/// "ret (*name)(params)" or "ret name(params)" -> (name, signature).
fn signature(text: &str) -> (String, Sig) {
    let open = text.find('(').expect("a parameter list");
    let close = text.rfind(')').expect("a parameter list");
    let params_open = text[..close].rfind('(').expect("a parameter list");
    let head = text[..open].trim();
    let (name, ret) = if text[open..].starts_with("(*") {
        let name = text[open + 2..].split(')').next().unwrap().trim();
        (name, head)
    } else {
        split_declarator(head)
    };
    let sig = Sig { params: params(&text[params_open + 1..close]), ret: rust_type(ret) };
    (name.to_owned(), sig)
}

/// Evaluates a `#define` value: integer literals and earlier constants
/// joined by `+` and `*`, in parentheses or not.
fn evaluate(expr: &str, consts: &BTreeMap<String, Decl>) -> Option<i64> {
    let expr: String = expr.chars().filter(|c| !"() \t".contains(*c)).collect();
    expr.split('+')
        .map(|term| {
            term.split('*')
                .map(|factor| match consts.get(factor) {
                    Some(Decl::Const(v)) => Some(*v),
                    _ => factor.parse().ok(),
                })
                .product::<Option<i64>>()
        })
        .sum()
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("*/").expect("an unterminated comment");
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// Every declaration of attn.h: constants from `#define`, typedefs, and
/// `ATTN_API` functions.
fn header_declarations(header: &str) -> BTreeMap<String, Decl> {
    let text = strip_comments(header).replace("\\\n", " ");
    let mut decls = BTreeMap::new();
    let mut code = String::new();
    for line in text.lines() {
        let Some(directive) = line.trim().strip_prefix('#') else {
            code.push_str(line);
            code.push('\n');
            continue;
        };
        let mut words = directive.split_whitespace();
        if words.next() != Some("define") {
            continue;
        }
        let name = words.next().unwrap_or_default();
        if name == "ATTN_H" || name == "ATTN_API" {
            continue; // the include guard and the export macro
        }
        let value: String = words.collect();
        let value = evaluate(&value, &decls)
            .unwrap_or_else(|| panic!("cannot evaluate #define {name} {value}"));
        decls.insert(name.to_owned(), Decl::Const(value));
    }
    for statement in code.split(';') {
        let (keyword, body) = match (statement.find("ATTN_API"), statement.find("typedef")) {
            (Some(at), _) => ("ATTN_API", &statement[at + "ATTN_API".len()..]),
            (None, Some(at)) => ("typedef", &statement[at + "typedef".len()..]),
            (None, None) => continue,
        };
        let body = squeeze_spaces(body);
        let (name, decl) = if keyword == "ATTN_API" {
            let (name, sig) = signature(&body);
            (name, Decl::Function(sig))
        } else if body.contains('(') {
            let (name, sig) = signature(&body);
            (name, Decl::Callback(sig))
        } else if let Some(tag) = body.strip_prefix("struct ") {
            let (name, ty) = split_declarator(tag);
            assert_eq!(ty.trim(), name, "typedef struct {tag}");
            (name.to_owned(), Decl::Struct)
        } else {
            let (name, ty) = split_declarator(&body);
            (name.to_owned(), Decl::Alias(rust_type(ty)))
        };
        assert!(decls.insert(name.clone(), decl).is_none(), "{name} declared twice");
    }
    decls
}

fn squeeze_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn header_text() -> String {
    read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../include/attn.h"))
}

/// What differs between the header's declarations and the table, one line
/// per name.
fn differences(header: &str) -> Vec<String> {
    let header = header_declarations(header);
    let table = table();
    let mut lines: Vec<_> = header
        .keys()
        .filter(|n| !table.contains_key(*n))
        .map(|n| format!("{n}: declared in attn.h only"))
        .collect();
    lines.extend(
        table
            .keys()
            .filter(|n| !header.contains_key(*n))
            .map(|n| format!("{n}: declared in attn-sys only")),
    );
    lines.extend(header.iter().filter_map(|(name, decl)| {
        let rust = table.get(name)?;
        (rust != decl).then(|| format!("{name}:\n  attn.h  {decl:?}\n  Rust    {rust:?}"))
    }));
    lines
}

#[test]
fn declarations_match_header() {
    let differences = differences(&header_text());
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn source_names_only_header_declarations() {
    let declared = header_declarations(&header_text());
    let source = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"));
    let unknown: BTreeSet<_> = source
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("attn_") || word.starts_with("ATTN_"))
        .filter(|word| !declared.contains_key(*word))
        .collect();
    assert!(unknown.is_empty(), "src/lib.rs names what attn.h does not declare: {unknown:?}");
}

#[test]
fn header_changes_are_detected() {
    let header = header_text();
    let added = header
        .replace("#ifdef __cplusplus\n}", "ATTN_API void attn_new(void);\n#ifdef __cplusplus\n}");
    assert_eq!(differences(&added), ["attn_new: declared in attn.h only"]);
    let changed = header.replace("attn_check_version(uint32_t", "attn_check_version(int32_t");
    assert_eq!(differences(&changed).len(), 1);
    let constant = header.replace("ATTN_E_INTERNAL          (-9)", "ATTN_E_INTERNAL (-10)");
    assert_eq!(differences(&constant).len(), 1);
}

#[test]
fn type_mapping() {
    assert_eq!(rust_type("const char *const *"), "*const*constc_char");
    assert_eq!(rust_type("attn_model **"), "*mut*mutattn_model");
    assert_eq!(rust_type("const float **"), "*mut*constf32");
    assert_eq!(rust_type("void"), "");
    assert_eq!(rust_type("void *"), "*mutc_void");
}

#[test]
fn runtime_version_matches() {
    // SAFETY: attn_version and attn_check_version have no preconditions.
    unsafe {
        assert_eq!(attn_version(), ATTN_VERSION_NUMBER);
        assert_eq!(attn_check_version(ATTN_VERSION_NUMBER), ATTN_OK);
    }
}
