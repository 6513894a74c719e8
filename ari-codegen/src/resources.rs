//! `<resource>.rs`: a resource's endpoint group (`Channels<'a>`), one
//! request builder per operation (`Originate`), the operations' metadata and
//! the enums of their parameters.
//!
//! The generated code is thin on purpose: a builder holds a `Client` and a
//! `Request` and every setter is one call into the non-generic runtime, so a
//! module of a hundred operations stays quick to compile.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::context::{Context, OperationInfo, ParamInfo, ParamKind, ResourceInfo, Response};
use crate::fixups::BodyShape;
use crate::knowledge;
use crate::names::ident_text;
use crate::prose::{doc_attrs, doc_link, inner_doc_attrs};
use crate::templates::{render, ErrorLine, Item, Operation, ParamLine};
use crate::{emit, enums, names, special, CodegenError, GeneratedFile, Runtime};
use ari_spec::swagger::HttpMethod;

pub fn resource_file(
    ctx: &Context<'_>,
    resource: &ResourceInfo,
) -> Result<GeneratedFile, CodegenError> {
    let rt = &ctx.rt;
    let group = format_ident!("{}", resource.group);
    let page = ctx.docs.resource_page(&resource.name);
    let module_doc = inner_doc_attrs(&render(&Item {
        title: &format!(
            "The `{}` resource: [`{}`] and its request builders.",
            resource.name, resource.group
        ),
        summary: None,
        notes: &[],
        link: Some(&page),
        since: None,
    })?);
    let group_doc = doc_attrs(&render(&Item {
        title: &format!(
            "The operations of the `{}` resource; get it from `Ari::{}`.",
            resource.name, resource.module
        ),
        summary: None,
        notes: &[],
        link: Some(&page),
        since: None,
    })?);
    let mut methods = Vec::new();
    let mut items = Vec::new();
    for op in &resource.operations {
        let (method, item) = operation(ctx, resource, op)?;
        methods.push(method);
        items.push(item);
    }
    for e in &resource.enums {
        items.push(enums::string_enum(ctx, e)?);
    }
    let tokens = quote! {
        #module_doc

        #group_doc
        #[derive(Debug, Clone, Copy)]
        pub struct #group<'a> {
            client: &'a #rt::Client,
        }

        impl<'a> #group<'a> {
            pub(crate) fn new(client: &'a #rt::Client) -> Self {
                #group { client }
            }

            #(#methods)*
        }

        #(#items)*
    };
    emit::file(
        &format!("{}.rs", names::snake(&resource.name)),
        &ctx.options.release,
        tokens,
    )
}

/// The group method, and the metadata + builder.
fn operation(
    ctx: &Context<'_>,
    resource: &ResourceInfo,
    op: &OperationInfo,
) -> Result<(TokenStream, TokenStream), CodegenError> {
    let rt = &ctx.rt;
    let builder = format_ident!("{}", op.builder);
    let meta = &op.meta_ident;
    let method_ident = &op.method_ident;
    let name = format!("{}.{}", resource.name, op.nickname);
    let path = &op.path;
    let http_method = match op.method {
        HttpMethod::Get => quote!(#rt::Method::Get),
        HttpMethod::Post => quote!(#rt::Method::Post),
        HttpMethod::Put => quote!(#rt::Method::Put),
        HttpMethod::Delete => quote!(#rt::Method::Delete),
    };
    // A reason that is a sentence is not carried: the error reports the
    // status's HTTP reason phrase instead.
    let errors = op.errors.iter().map(|(status, reason, kind)| {
        let reason =
            knowledge::error_reason(reason).unwrap_or(knowledge::http_reason_phrase(*status));
        let kind = format_ident!("{}", kind);
        let status = proc_macro2::Literal::u16_unsuffixed(*status);
        quote! { #rt::DocumentedError { status: #status, reason: #reason, kind: #rt::HttpErrorKind::#kind }, }
    });

    // The group method: path and required parameters are arguments.
    let mut args = Vec::new();
    let mut path_pairs = Vec::new();
    for p in &op.path_params {
        let ident = &p.ident;
        let wire = &p.wire;
        args.push(quote!(#ident: impl AsRef<str>));
        path_pairs.push(quote!((#wire, #ident.as_ref())));
    }
    let request = format_ident!("request");
    let mut sets = Vec::new();
    for p in &op.required {
        let ident = &p.ident;
        let ty = p.kind.arg_type();
        args.push(quote!(#ident: #ty));
        sets.push(apply(ctx, p, &quote!(#request)));
    }
    let mut_kw = if sets.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };

    let setters = op
        .optional
        .iter()
        .map(|p| -> Result<TokenStream, CodegenError> {
            let ident = &p.ident;
            let ty = p.kind.arg_type();
            let set = apply(ctx, p, &quote!(self.request));
            let doc = doc_attrs(&render(&Item {
                title: &param_title(p),
                summary: None,
                notes: &p.notes,
                link: None,
                since: p.since.as_deref(),
            })?);
            Ok(quote! {
                #doc
                pub fn #ident(mut self, #ident: #ty) -> Self {
                    #set
                    self
                }
            })
        });
    let setters = setters.collect::<Result<Vec<_>, _>>()?;

    let (output, send_call, response_text) = match &op.response {
        Response::Unit => (
            quote!(()),
            quote!(send_unit),
            "None (`void`): `()`.".to_string(),
        ),
        Response::Bytes => (
            quote!(#rt::Bytes),
            quote!(send_bytes),
            "The raw bytes of the response (`binary`).".to_string(),
        ),
        Response::Json { ty, spec } => (
            ty.clone(),
            quote!(send_json),
            format!("`{spec}`, decoded into `{}`.", type_text(ty)),
        ),
    };

    let line = |p: &ParamInfo| ParamLine {
        name: format!("`{}`", ident_text(&p.ident)),
        text: {
            let mut text = param_title(p);
            for note in &p.notes {
                text.push(' ');
                text.push_str(note);
            }
            text
        },
    };
    let arguments: Vec<ParamLine> = op
        .path_params
        .iter()
        .chain(&op.required)
        .map(line)
        .collect();
    let options: Vec<ParamLine> = op
        .optional
        .iter()
        .map(|p| ParamLine {
            name: doc_link(
                &ident_text(&p.ident),
                &format!("{}::{}", op.builder, p.ident),
            ),
            ..line(p)
        })
        .collect();
    let error_lines: Vec<ErrorLine> = op
        .errors
        .iter()
        .map(|(status, reason, kind)| ErrorLine {
            status: status.to_string(),
            kind: (*kind).to_string(),
            reason: knowledge::error_reason(reason).map(str::to_string),
        })
        .collect();
    let error_path = match ctx.options.runtime {
        Runtime::Crate => "crate::Error::Http",
        Runtime::External => "ari_sdk::Error::Http",
    };
    let op_doc_text = render(&Operation {
        summary: knowledge::operation_summary(&resource.name, &op.nickname),
        link: &ctx.docs.operation(&resource.name, &op.nickname),
        method: op.method.as_str(),
        path: &op.path,
        resource: &resource.name,
        nickname: &op.nickname,
        arguments: &arguments,
        options: &options,
        response: &response_text,
        error_path,
        errors: &error_lines,
        since: op.since.as_deref(),
    })?;
    let method_doc = doc_attrs(&op_doc_text);
    let builder_doc = doc_attrs(&render(&Item {
        title: &format!(
            "The request of {}: `{} {}`.",
            doc_link(
                &format!("{}::{}", resource.group, ident_text(method_ident)),
                &format!("{}::{}", resource.group, method_ident)
            ),
            op.method.as_str(),
            op.path,
        ),
        summary: None,
        notes: &["Set optional parameters with its methods, then `.send().await` it (or `.await` it directly).".to_string()],
        link: None,
        since: op.since.as_deref(),
    })?);

    let method = quote! {
        #method_doc
        pub fn #method_ident(&self, #(#args),*) -> #builder {
            let #mut_kw #request = #rt::Request::new(&#meta, &[#(#path_pairs),*]);
            #(#sets)*
            #builder { client: self.client.clone(), request }
        }
    };
    // A request that ends its object can be told that the object being
    // gone already (404) is as good as done: hanging up a channel that hung
    // up.
    let ends_object = special::ends_object(&resource.name, &op.nickname);
    let gone_setter = if ends_object && matches!(op.response, Response::Unit) {
        quote! {
            /// Counts a 404 (the object is already gone) as success: for
            /// requests that end an object, such as hanging up a channel
            /// that has already hung up. The handles' methods that end
            /// their object set it.
            pub fn ok_if_gone(mut self) -> Self {
                self.request.ok_if_gone();
                self
            }
        }
    } else {
        quote! {}
    };
    let releases = &op.releases;
    let since = quote!(&[#(#releases),*]);
    let params_since = op
        .path_params
        .iter()
        .chain(&op.required)
        .chain(&op.optional)
        // One that came with the operation adds nothing to its check.
        .filter(|p| !p.releases.is_empty() && p.releases != op.releases)
        .map(|p| {
            let wire = &p.wire;
            let releases = &p.releases;
            quote!((#wire, &[#(#releases),*]))
        });
    let item = quote! {
        pub(crate) static #meta: #rt::OperationMeta = #rt::OperationMeta {
            name: #name,
            method: #http_method,
            path: #path,
            errors: &[#(#errors)*],
            since: #since,
            params_since: &[#(#params_since),*],
        };

        #builder_doc
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent: call `.send()` or `.await` it"]
        pub struct #builder {
            // Crate-visible: the resource group of each major that has this
            // operation builds it, and the builder may be shared by majors.
            pub(crate) client: #rt::Client,
            pub(crate) request: #rt::Request,
        }

        impl #builder {
            #(#setters)*

            /// The request as it will be sent.
            pub fn request(&self) -> &#rt::Request {
                &self.request
            }

            /// The request as it will be sent, without sending it.
            pub fn into_request(self) -> #rt::Request {
                self.request
            }

            #gone_setter

            /// Sends the request.
            pub fn send(self) -> #rt::ResponseFuture<#output> {
                self.client.#send_call(self.request)
            }
        }

        impl ::std::future::IntoFuture for #builder {
            type Output = ::std::result::Result<#output, #rt::Error>;
            type IntoFuture = #rt::ResponseFuture<#output>;

            fn into_future(self) -> Self::IntoFuture {
                self.send()
            }
        }
    };
    Ok((method, item))
}

fn param_title(p: &ParamInfo) -> String {
    let kind = match &p.kind {
        ParamKind::Path => "path",
        ParamKind::Body(_) => "body",
        _ => "query",
    };
    format!("`{}` ({kind} parameter, `{}`).", p.wire, p.data_type)
}

/// The statement that puts a parameter's value into the request.
fn apply(ctx: &Context<'_>, p: &ParamInfo, request: &TokenStream) -> TokenStream {
    let rt = &ctx.rt;
    let ident: &Ident = &p.ident;
    let wire = &p.wire;
    match &p.kind {
        ParamKind::Path => quote!(),
        ParamKind::Str => quote!(#request.query(#wire, #ident.into());),
        ParamKind::Int | ParamKind::Double | ParamKind::Bool => {
            quote!(#request.query(#wire, #ident.to_string());)
        }
        ParamKind::Enum(_) => quote!(#request.query(#wire, #ident.as_str().to_string());),
        ParamKind::StrList => {
            quote!(#request.query_list(#wire, #ident.into_iter().map(Into::into).collect());)
        }
        ParamKind::EnumList(_) => {
            quote!(#request.query_list(#wire, #ident.into_iter().map(|v| v.as_str().to_string()).collect());)
        }
        ParamKind::Body(BodyShape::StringMap) => quote! {
            #request.body_field(#wire, #rt::string_map(#ident.into_iter().map(|(k, v)| (k.into(), v.into())).collect()));
        },
        ParamKind::Body(BodyShape::ModelList(_)) => {
            quote!(#request.body_field_json(#wire, &#ident.into_iter().collect::<Vec<_>>());)
        }
        ParamKind::Body(BodyShape::Keyed) => quote!(#request.body_field(#wire, #ident);),
        ParamKind::Body(BodyShape::Whole) => quote!(#request.body(#ident);),
    }
}

/// `Vec < super :: Channel >` as `Vec<Channel>`.
fn type_text(ty: &TokenStream) -> String {
    ty.to_string()
        .replace(' ', "")
        .replace("super::", "")
        .replace("crate::runtime::", "")
        .replace("::ari_sdk::runtime::", "")
        .replace("::serde_json::", "serde_json::")
}
