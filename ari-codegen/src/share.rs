//! One copy of what several majors publish alike.
//!
//! [`generate`](crate::generate) writes each major's module whole. Most of
//! it is the same from one major to the next: `Channel` has not changed
//! since Asterisk 22, `CallerID` since 13. [`share`] takes the modules of
//! every major and moves each model, enum, event struct and request builder
//! that two or more majors have alike into `shared/<majors>/`, where it is
//! written once, gated by `cfg(any(feature = ...))` of those majors; each
//! major's file keeps a `pub use` of it in the item's place. So
//! `v22::Channel` *is* `v23::Channel`, the per-major surface stays exact
//! (a major without an item has no re-export of it), and the features stay
//! additive.
//!
//! "Alike" is decided on the code without its docs, together with
//! everything it names: a `Channel` is shared by majors whose `Channel`,
//! `CallerID`, `DialplanCEP` ... are all alike, so a shared item only ever
//! names shared items of (at least) the same majors. The docs of the shared
//! copy are the newest major's: the generator writes them the same in every
//! major apart from the link to that major's documentation (the release
//! history, "available since", lists every line's release for that reason).
//!
//! Not shared: each major's `Ari`, `Event`, resource groups (`Channels`,
//! which carry that major's per-release operation table), handles and the
//! `mod.rs` files.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{format_ident, ToTokens};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

use crate::{emit, CodegenError, GeneratedFile};

/// Where `ari-sdk` declares the shared modules.
const SHARED_ROOT: &str = "crate::shared";

/// The files [`generate`](crate::generate) wrote for one major.
#[derive(Debug, Clone)]
pub struct ModuleFiles {
    /// `22`.
    pub major: u32,
    /// `22.10.1`.
    pub release: String,
    /// The module's files, as `generate` returned them.
    pub files: Vec<GeneratedFile>,
}

/// What [`share`] returns.
#[derive(Debug, Clone)]
pub struct SharedModules {
    /// Each major's files, shared items replaced by their re-export.
    pub modules: Vec<ModuleFiles>,
    /// The shared items: `mod.rs`, and per set of majors
    /// `v22_v23/mod.rs`, `v22_v23/models.rs`, `v22_v23/channels.rs`, ...
    /// Relative to `src/generated/shared/`.
    pub shared: Vec<GeneratedFile>,
}

/// A name an item uses: a model (`super::Channel`) or an item of its own
/// file (`ChannelState` in `ChannelState::Down`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Ref {
    Model(String),
    Local(String),
}

/// An item and its impls: what moves as one.
#[derive(Debug)]
struct Unit {
    owner: String,
    /// Indices in the file's items.
    items: Vec<usize>,
    /// The code without docs.
    code: String,
    refs: BTreeSet<Ref>,
    /// A struct or enum with nothing else (statics, functions) in it.
    movable: bool,
}

struct ParsedFile {
    path: String,
    /// `models` for every `models/*.rs` (one namespace in the module), else
    /// the resource (`channels`).
    namespace: String,
    syntax: syn::File,
    units: Vec<Unit>,
    /// Unit of each item, if any.
    unit_of: Vec<Option<usize>>,
}

/// `(major index, file index, unit index)`.
type UnitId = (usize, usize, usize);

/// Moves what several majors have alike into shared modules; see the
/// module docs.
pub fn share(modules: Vec<ModuleFiles>) -> Result<SharedModules, CodegenError> {
    let mut parsed: Vec<Vec<Option<ParsedFile>>> = Vec::new();
    for module in &modules {
        let mut files = Vec::new();
        for file in &module.files {
            files.push(parse(file)?);
        }
        parsed.push(files);
    }

    // Every unit's key: its code and the code of everything it reaches.
    let mut keys: HashMap<UnitId, String> = HashMap::new();
    for (m, files) in parsed.iter().enumerate() {
        for (f, file) in files.iter().enumerate() {
            let Some(file) = file else { continue };
            for u in 0..file.units.len() {
                if let Some(key) = key_of(&parsed, (m, f, u)) {
                    keys.insert((m, f, u), key);
                }
            }
        }
    }

    // Which majors have each (namespace, name, key).
    let mut groups: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
    for (&(m, f, u), key) in &keys {
        let file = parsed[m][f]
            .as_ref()
            .expect("keyed units are in parsed files");
        let unit = &file.units[u];
        groups
            .entry((file.namespace.clone(), unit.owner.clone(), key.clone()))
            .or_default()
            .push(m);
    }
    // The set of majors (indices into `modules`) each shared unit moves to.
    let mut moved: HashMap<UnitId, Vec<usize>> = HashMap::new();
    for (&id, key) in &keys {
        let file = parsed[id.0][id.1].as_ref().expect("parsed");
        let unit = &file.units[id.2];
        let mut majors = groups[&(file.namespace.clone(), unit.owner.clone(), key.clone())].clone();
        majors.sort_unstable();
        if majors.len() >= 2 {
            moved.insert(id, majors);
        }
    }

    let set_name = |majors: &[usize]| {
        set_module(&majors.iter().map(|&m| modules[m].major).collect::<Vec<_>>())
    };

    // The shared files: each unit written once, from its newest major.
    // (set, namespace) -> items, in the newest major's order.
    let mut shared_items: BTreeMap<(Vec<usize>, String), Vec<syn::Item>> = BTreeMap::new();
    let mut namespace_order: BTreeMap<Vec<usize>, Vec<String>> = BTreeMap::new();
    for (m, files) in parsed.iter().enumerate() {
        for (f, file) in files.iter().enumerate() {
            let Some(file) = file else { continue };
            for (u, unit) in file.units.iter().enumerate() {
                let Some(majors) = moved.get(&(m, f, u)) else {
                    continue;
                };
                if majors.last() != Some(&m) {
                    continue;
                }
                let mut rewriter = Rewriter {
                    owner: &unit.owner,
                    own_set: majors,
                    resolve: &|r: &Ref| {
                        let target = resolve(&parsed, (m, f), r)?;
                        let set = moved.get(&target)?;
                        let namespace = parsed[target.0][target.1].as_ref()?.namespace.clone();
                        Some((set.clone(), set_name(set), namespace))
                    },
                    error: None,
                };
                let mut items = Vec::new();
                for &i in &unit.items {
                    let mut item = file.syntax.items[i].clone();
                    rewriter.visit_item_mut(&mut item);
                    items.push(item);
                }
                if let Some(error) = rewriter.error {
                    return Err(CodegenError::InvalidCode {
                        file: format!("shared {}", file.path),
                        message: error,
                    });
                }
                let order = namespace_order.entry(majors.clone()).or_default();
                if !order.contains(&file.namespace) {
                    order.push(file.namespace.clone());
                }
                shared_items
                    .entry((majors.clone(), file.namespace.clone()))
                    .or_default()
                    .extend(items);
            }
        }
    }

    let releases = |majors: &[usize]| {
        let list: Vec<&str> = majors
            .iter()
            .map(|&m| modules[m].release.as_str())
            .collect();
        list.join(", ")
    };
    let major_list = |majors: &[usize]| {
        let list: Vec<String> = majors
            .iter()
            .map(|&m| modules[m].major.to_string())
            .collect();
        list.join(", ")
    };
    let mut shared = Vec::new();
    for ((majors, namespace), items) in &shared_items {
        let set = set_name(majors);
        let what = if namespace == "models" {
            "The models and events".to_string()
        } else {
            format!("The request builders of the `{namespace}` resource")
        };
        let doc = format!(
            " {what} that Asterisk {} publish alike; `{}` re-export them.",
            major_list(majors),
            reexporters(majors, &modules),
        );
        let syntax = syn::File {
            shebang: None,
            attrs: vec![syn::parse_quote!(#![doc = #doc])],
            items: items.clone(),
        };
        shared.push(emit::syntax_file(
            &format!("{set}/{namespace}.rs"),
            &releases(majors),
            &syntax,
        )?);
    }
    for (majors, namespaces) in &namespace_order {
        let set = set_name(majors);
        let doc = format!(
            " What Asterisk {} publish alike, generated once.",
            major_list(majors)
        );
        let mods = namespaces.iter().map(|n| format_ident!("{n}"));
        let tokens = quote::quote! {
            #![doc = #doc]
            #(pub mod #mods;)*
        };
        shared.push(emit::file(
            &format!("{set}/mod.rs"),
            &releases(majors),
            tokens,
        )?);
    }
    let sets = namespace_order.keys().map(|majors| {
        let name = format_ident!("{}", set_name(majors));
        let features = majors
            .iter()
            .map(|&m| format!("asterisk-{}", modules[m].major));
        quote::quote! {
            #[cfg(any(#(feature = #features),*))]
            pub mod #name;
        }
    });
    let all: Vec<usize> = (0..modules.len()).collect();
    let root = quote::quote! {
        #![doc = " What several Asterisk majors publish alike, generated once and re-exported by each `vNN` that has it (see `ari_codegen::share`)."]
        #(#sets)*
    };
    shared.insert(0, emit::file("mod.rs", &releases(&all), root)?);

    // Each major's files: a moved unit becomes a `pub use` where it stood.
    let mut out = Vec::new();
    for (m, module) in modules.iter().enumerate() {
        let mut files = Vec::new();
        for (f, original) in module.files.iter().enumerate() {
            let Some(file) = &parsed[m][f] else {
                files.push(original.clone());
                continue;
            };
            let mut items = Vec::new();
            for (i, item) in file.syntax.items.iter().enumerate() {
                let unit = file.unit_of[i];
                match unit.and_then(|u| moved.get(&(m, f, u)).map(|set| (u, set))) {
                    Some((u, set)) => {
                        let unit = &file.units[u];
                        if unit.items.first() != Some(&i) {
                            continue;
                        }
                        let path = shared_path(&set_name(set), &file.namespace, &unit.owner);
                        let vis = visibility(&file.syntax.items[i]);
                        if matches!(vis, syn::Visibility::Public(_)) {
                            items.push(syn::parse_quote!(pub use #path;));
                            continue;
                        }
                        // An operation's table, used by the resource group
                        // when that stays in the major.
                        let used = file.units.iter().enumerate().any(|(other, o)| {
                            !moved.contains_key(&(m, f, other))
                                && o.refs.contains(&Ref::Local(unit.owner.clone()))
                        });
                        if used {
                            items.push(syn::parse_quote!(#vis use #path;));
                        }
                    }
                    None => items.push(item.clone()),
                }
            }
            if items.len() == file.syntax.items.len()
                && moved.keys().all(|id| (id.0, id.1) != (m, f))
            {
                files.push(original.clone());
                continue;
            }
            let syntax = syn::File {
                shebang: None,
                attrs: file.syntax.attrs.clone(),
                items,
            };
            files.push(emit::syntax_file(&file.path, &module.release, &syntax)?);
        }
        out.push(ModuleFiles {
            major: module.major,
            release: module.release.clone(),
            files,
        });
    }
    Ok(SharedModules {
        modules: out,
        shared,
    })
}

/// `v22_v23`, `v13_to_v23`, `v13_to_v15_v20`.
fn set_module(majors: &[u32]) -> String {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &major in majors {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == major => *end = major,
            _ => runs.push((major, major)),
        }
    }
    runs.iter()
        .map(|&(start, end)| match end - start {
            0 => format!("v{start}"),
            1 => format!("v{start}_v{end}"),
            _ => format!("v{start}_to_v{end}"),
        })
        .collect::<Vec<_>>()
        .join("_")
}

fn reexporters(majors: &[usize], modules: &[ModuleFiles]) -> String {
    let list: Vec<String> = majors
        .iter()
        .map(|&m| format!("v{}", modules[m].major))
        .collect();
    list.join("`, `")
}

fn shared_path(set: &str, namespace: &str, name: &str) -> syn::Path {
    let text = format!("{SHARED_ROOT}::{set}::{namespace}::{name}");
    syn::parse_str(&text).expect("a path of identifiers parses")
}

fn visibility(item: &syn::Item) -> syn::Visibility {
    match item {
        syn::Item::Struct(s) => s.vis.clone(),
        syn::Item::Enum(e) => e.vis.clone(),
        syn::Item::Static(s) => s.vis.clone(),
        _ => syn::Visibility::Inherited,
    }
}

/// The files whose items may be shared: the models and the resources'
/// builders.
fn parse(file: &GeneratedFile) -> Result<Option<ParsedFile>, CodegenError> {
    let namespace = match file.path.split_once('/') {
        Some(("models", "mod.rs")) => return Ok(None),
        Some(("models", _)) => "models".to_string(),
        Some(_) => return Ok(None),
        None if file.path == "mod.rs" || file.path == "handles.rs" => return Ok(None),
        None => file.path.trim_end_matches(".rs").to_string(),
    };
    let syntax = syn::parse_file(&file.contents).map_err(|e| CodegenError::InvalidCode {
        file: file.path.clone(),
        message: e.to_string(),
    })?;
    let mut units: Vec<Unit> = Vec::new();
    let mut by_owner: HashMap<String, usize> = HashMap::new();
    let mut unit_of = Vec::new();
    for (i, item) in syntax.items.iter().enumerate() {
        let Some((owner, kind)) = owner_of(item) else {
            unit_of.push(None);
            continue;
        };
        let u = *by_owner.entry(owner.clone()).or_insert_with(|| {
            units.push(Unit {
                owner: owner.clone(),
                items: Vec::new(),
                code: String::new(),
                refs: BTreeSet::new(),
                movable: true,
            });
            units.len() - 1
        });
        units[u].items.push(i);
        if kind == Kind::Other {
            units[u].movable = false;
        }
        unit_of.push(Some(u));
    }
    let owners: BTreeSet<String> = units.iter().map(|u| u.owner.clone()).collect();
    for unit in &mut units {
        let defined = unit.items.iter().any(|&i| {
            matches!(
                syntax.items[i],
                syn::Item::Struct(_) | syn::Item::Enum(_) | syn::Item::Static(_)
            )
        });
        // `Event` has a trait impl per major (`ResourceEvent`), so each
        // major needs a type of its own.
        if !defined || unit.owner == "Event" {
            unit.movable = false;
        }
        let mut code = TokenStream::new();
        let mut finder = RefFinder {
            owner: &unit.owner,
            owners: &owners,
            refs: BTreeSet::new(),
        };
        for &i in &unit.items {
            finder.visit_item(&syntax.items[i]);
            code.extend(without_docs(syntax.items[i].to_token_stream()));
        }
        unit.refs = finder.refs;
        unit.code = code.to_string();
    }
    Ok(Some(ParsedFile {
        path: file.path.clone(),
        namespace,
        syntax,
        units,
        unit_of,
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A struct, enum or impl: may move.
    Type,
    /// A static, const, function, ...: stays in its major.
    Other,
}

fn owner_of(item: &syn::Item) -> Option<(String, Kind)> {
    match item {
        syn::Item::Struct(s) => Some((s.ident.to_string(), Kind::Type)),
        syn::Item::Enum(e) => Some((e.ident.to_string(), Kind::Type)),
        syn::Item::Impl(i) => match &*i.self_ty {
            syn::Type::Path(p) => p
                .path
                .segments
                .last()
                .map(|s| (s.ident.to_string(), Kind::Type)),
            _ => None,
        },
        // An operation's table (`OperationMeta`): alike when the operation is.
        syn::Item::Static(s) => Some((s.ident.to_string(), Kind::Type)),
        syn::Item::Const(c) => Some((c.ident.to_string(), Kind::Other)),
        syn::Item::Fn(f) => Some((f.sig.ident.to_string(), Kind::Other)),
        syn::Item::Type(t) => Some((t.ident.to_string(), Kind::Other)),
        _ => None,
    }
}

/// The unit `ref` names, seen from file `(m, f)`.
fn resolve(parsed: &[Vec<Option<ParsedFile>>], (m, f): (usize, usize), r: &Ref) -> Option<UnitId> {
    match r {
        Ref::Local(name) => {
            let file = parsed[m][f].as_ref()?;
            let u = file.units.iter().position(|u| &u.owner == name)?;
            Some((m, f, u))
        }
        Ref::Model(name) => parsed[m].iter().enumerate().find_map(|(f, file)| {
            let file = file.as_ref().filter(|file| file.namespace == "models")?;
            let u = file.units.iter().position(|u| &u.owner == name)?;
            Some((m, f, u))
        }),
    }
}

/// The unit's code and the code of every unit it reaches; `None` when it
/// cannot move (it, or something it reaches, must stay in its major).
fn key_of(parsed: &[Vec<Option<ParsedFile>>], id: UnitId) -> Option<String> {
    let mut seen: BTreeMap<(String, String), UnitId> = BTreeMap::new();
    let mut stack = vec![id];
    let unit = |(m, f, u): UnitId| parsed[m][f].as_ref().map(|file| (file, &file.units[u]));
    while let Some(next) = stack.pop() {
        let (file, unit) = unit(next)?;
        if !unit.movable {
            return None;
        }
        if seen
            .insert((file.namespace.clone(), unit.owner.clone()), next)
            .is_some()
        {
            continue;
        }
        for r in &unit.refs {
            stack.push(resolve(parsed, (next.0, next.1), r)?);
        }
    }
    let mut key = String::new();
    for ((namespace, owner), id) in &seen {
        let (_, unit) = unit(*id)?;
        key.push_str(namespace);
        key.push_str("::");
        key.push_str(owner);
        key.push('=');
        key.push_str(&unit.code);
        key.push('\n');
    }
    Some(key)
}

/// Tokens without `#[doc = ...]` attributes, at any depth.
fn without_docs(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let is_doc = matches!(iter.peek(), Some(TokenTree::Group(g))
                    if g.delimiter() == Delimiter::Bracket
                        && matches!(g.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc"));
                if is_doc {
                    iter.next();
                } else {
                    out.push(TokenTree::Punct(p));
                }
            }
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), without_docs(g.stream()));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// Collects the names a unit uses.
struct RefFinder<'a> {
    owner: &'a str,
    owners: &'a BTreeSet<String>,
    refs: BTreeSet<Ref>,
}

impl<'ast> Visit<'ast> for RefFinder<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if path.leading_colon.is_none() {
            match segments.as_slice() {
                [first, model, ..] if first == "super" => {
                    self.refs.insert(Ref::Model(model.clone()));
                }
                [first, ..] if first != self.owner && self.owners.contains(first) => {
                    self.refs.insert(Ref::Local(first.clone()));
                }
                _ => {}
            }
        }
        syn::visit::visit_path(self, path);
    }
}

/// Where a name a moved unit uses went: its set of majors (indices), the
/// set's module name, its namespace.
type Resolver<'a> = dyn Fn(&Ref) -> Option<(Vec<usize>, String, String)> + 'a;

/// Points a moved unit's names at the shared modules, and unlinks doc links
/// that would not resolve there.
struct Rewriter<'a> {
    owner: &'a str,
    own_set: &'a [usize],
    resolve: &'a Resolver<'a>,
    error: Option<String>,
}

impl VisitMut for Rewriter<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        syn::visit_mut::visit_path_mut(self, path);
        if path.leading_colon.is_some() {
            return;
        }
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let (reference, skip) = match segments.as_slice() {
            [first, model, ..] if first == "super" => (Ref::Model(model.clone()), 2),
            [first, ..] if first != self.owner => (Ref::Local(first.clone()), 1),
            _ => return,
        };
        let Some((set, set_name, namespace)) = (self.resolve)(&reference) else {
            if skip == 2 {
                self.error = Some(format!(
                    "`{}` names an item that is not shared",
                    path.to_token_stream()
                ));
            }
            return;
        };
        if skip == 1 && set == self.own_set {
            return;
        }
        let name = match &reference {
            Ref::Model(name) | Ref::Local(name) => name,
        };
        let target = shared_path(&set_name, &namespace, name);
        let mut segments = target.segments;
        // Keep the name's segment (with any generics) and what follows it.
        let rest: Vec<syn::PathSegment> = path.segments.iter().skip(skip - 1).cloned().collect();
        segments.pop();
        for segment in rest {
            segments.push(segment);
        }
        path.segments = segments;
    }

    fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
        if !attr.path().is_ident("doc") {
            return;
        }
        if let syn::Meta::NameValue(nv) = &mut attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &mut nv.value
            {
                let rewritten = relink(&text.value(), self.owner, &|name| {
                    let reference = match name.strip_prefix("super::") {
                        Some(model) => Ref::Model(model.to_string()),
                        None => Ref::Local(name.to_string()),
                    };
                    let (set, set_name, namespace) = (self.resolve)(&reference)?;
                    let bare = name.trim_start_matches("super::");
                    if set == self.own_set && matches!(reference, Ref::Local(_)) {
                        return Some(bare.to_string());
                    }
                    Some(format!("{SHARED_ROOT}::{set_name}::{namespace}::{bare}"))
                });
                *text = syn::LitStr::new(&rewritten, text.span());
            }
        }
    }
}

/// Points the markdown links of a moved item's docs at the shared items
/// (`[`extension`](Originate::extension)`); a link to an item that stays in
/// each major (`Channels::get`) becomes plain text, as it would not resolve
/// from the shared module. Links to URLs, `crate::` paths and the item
/// itself stay.
fn relink(doc: &str, owner: &str, resolve: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        let text = &rest[open + 1..close];
        // `[text](target)`, or the shortcut `[`Target`]`.
        let (target, end) = if rest[close + 1..].starts_with('(') {
            match rest[close..].find(')').map(|e| close + e) {
                Some(end) => (&rest[close + 2..end], end),
                None => break,
            }
        } else {
            (text.trim_matches('`'), close)
        };
        out.push_str(&rest[..open]);
        let (name, tail) = match target.strip_prefix("super::") {
            Some(model) => {
                let (name, tail) = model.split_once("::").unwrap_or((model, ""));
                (format!("super::{name}"), tail)
            }
            None => {
                let (name, tail) = target.split_once("::").unwrap_or((target, ""));
                (name.to_string(), tail)
            }
        };
        let keep = target.starts_with("http")
            || target.starts_with("crate::")
            || target.starts_with('#')
            || name == owner
            || name == "Self"
            || text.contains('[')
            || target.is_empty();
        if keep {
            out.push_str(&rest[open..=end]);
        } else if let Some(path) = resolve(&name) {
            let sep = if tail.is_empty() { "" } else { "::" };
            out.push_str(&format!("[{text}]({path}{sep}{tail})"));
        } else {
            out.push_str(text);
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_modules_name_their_majors() {
        assert_eq!(set_module(&[22, 23]), "v22_v23");
        assert_eq!(set_module(&[13, 14, 15, 16]), "v13_to_v16");
        assert_eq!(set_module(&[13, 14, 15, 20]), "v13_to_v15_v20");
        assert_eq!(set_module(&[18, 20]), "v18_v20");
    }

    #[test]
    fn foreign_links_become_text() {
        let resolve = |name: &str| (name == "Get").then(|| "crate::shared::v1::x::Get".to_string());
        assert_eq!(
            relink(
                "The request of [`Channels::get`](Channels::get): `GET`.",
                "Other",
                &resolve
            ),
            "The request of `Channels::get`: `GET`."
        );
        assert_eq!(
            relink("See [`send`](Get::send).", "Other", &resolve),
            "See [`send`](crate::shared::v1::x::Get::send)."
        );
        assert_eq!(
            relink(
                "Allowed values: [`Get`]; [`Event::Get`].",
                "Other",
                &resolve
            ),
            "Allowed values: [`Get`](crate::shared::v1::x::Get); `Event::Get`."
        );
        let kept = "[`Error::Http`](crate::Error::Http), [docs](https://x), [`send`](Get::send)";
        assert_eq!(relink(kept, "Get", &resolve), kept);
    }

    fn module(major: u32, files: &[(&str, &str)]) -> ModuleFiles {
        ModuleFiles {
            major,
            release: format!("{major}.1.0"),
            files: files
                .iter()
                .map(|(path, contents)| GeneratedFile {
                    path: path.to_string(),
                    contents: contents.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn alike_items_move_with_what_they_name() {
        let a = "/// A.\npub struct Caller { pub name: String }\n/// C.\npub struct Chan { pub caller: super::Caller }\n";
        let b = "/// B.\npub struct Caller { pub name: String }\n/// C.\npub struct Chan { pub caller: super::Caller, pub extra: u8 }\n";
        let shared = share(vec![
            module(20, &[("models/channels.rs", a)]),
            module(21, &[("models/channels.rs", a)]),
            module(22, &[("models/channels.rs", b)]),
        ])
        .unwrap();
        let paths: Vec<_> = shared.shared.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "mod.rs",
                "v20_v21/models.rs",
                "v20_to_v22/models.rs",
                "v20_v21/mod.rs",
                "v20_to_v22/mod.rs"
            ]
        );
        let v20_v21 = &shared.shared[1].contents;
        assert!(
            v20_v21.contains("pub caller: crate::shared::v20_to_v22::models::Caller"),
            "{v20_v21}"
        );
        let v22 = &shared.modules[2].files[0].contents;
        assert!(
            v22.contains("pub use crate::shared::v20_to_v22::models::Caller;"),
            "{v22}"
        );
        assert!(v22.contains("pub struct Chan"), "{v22}");
        let root = &shared.shared[0].contents;
        assert!(
            root.contains("#[cfg(any(feature = \"asterisk-20\", feature = \"asterisk-21\"))]"),
            "{root}"
        );
    }

    #[test]
    fn items_naming_what_stays_stay_too() {
        let file = "fn helper() -> u8 { 1 }\npub struct Channels;\nimpl Channels { pub fn get(&self) -> u8 { helper() } }\npub struct Get { pub(crate) x: u8 }\n";
        let shared = share(vec![
            module(20, &[("channels.rs", file)]),
            module(21, &[("channels.rs", file)]),
        ])
        .unwrap();
        let v20 = &shared.modules[0].files[0].contents;
        assert!(v20.contains("pub struct Channels"), "{v20}");
        assert!(
            v20.contains("pub use crate::shared::v20_v21::channels::Get;"),
            "{v20}"
        );
    }
}
