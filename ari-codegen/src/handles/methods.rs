//! The handles' methods of this release: on each handle, one method per
//! operation of its resource whose path starts with the resource's id,
//! returning the group method's builder; and the traits of the operations
//! every major has (`ChannelOps`, ...), for code generic over majors.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::context::{Context, OperationInfo, ParamKind, ResourceInfo};
use crate::names::ident_text;
use crate::prose::doc_link;
use crate::special::{self, Followed};
use crate::{knowledge, CodegenError, Runtime};
use ari_spec::swagger::HttpMethod;

/// The operations of one handle.
pub(super) fn handle_operations(
    ctx: &Context<'_>,
    followed: &Followed,
    resource: &ResourceInfo,
) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    let handle = format_ident!("{}", followed.handle);
    let module = &resource.module;
    let exact = format!("{}{{{}}}", followed.path_prefix, followed.id_param);
    let mut methods = Vec::new();
    for op in &resource.operations {
        if !operates_on(op, followed) {
            continue;
        }
        // Creating under a chosen id is not an operation on the resource.
        if op.path == exact && op.method == HttpMethod::Post {
            continue;
        }
        if special::BY_HAND.contains(&op.nickname.as_str()) {
            continue;
        }
        let method = &op.method_ident;
        if special::RESERVED.contains(&ident_text(method).as_str()) {
            return Err(CodegenError::NameClash {
                scope: followed.handle.into(),
                name: ident_text(method),
                what: format!(
                    "operation {}.{} and a hand-written method",
                    resource.name, op.nickname
                ),
            });
        }
        let builder = format_ident!("{}", op.builder);
        let mut params = Vec::new();
        let mut args = Vec::new();
        for p in op.path_params.iter().skip(1).chain(&op.required) {
            let ident = &p.ident;
            let ty = match &p.kind {
                ParamKind::Enum(e) => quote!(super::#module::#e),
                ParamKind::EnumList(e) => quote!(impl IntoIterator<Item = super::#module::#e>),
                _ => p.kind.arg_type(),
            };
            params.push(quote!(#ident: #ty));
            args.push(quote!(#ident));
        }
        let doc = format!(
            " `{} {}` (`{}.{}`) on this {}: {}.",
            op.method.as_str(),
            op.path,
            resource.name,
            op.nickname,
            followed.noun,
            doc_link(
                &format!("{}::{}", resource.group, ident_text(method)),
                &format!("super::{}::{}::{}", module, resource.group, method)
            ),
        );
        // Our summary first where we wrote one; the factual line otherwise.
        let summary: Vec<String> = knowledge::operation_summary(&resource.name, &op.nickname)
            .map(|s| format!(" {s}"))
            .into_iter()
            .collect();
        // Ending what is already gone is done, not an error, for a handle.
        let gone_is_done = special::ends_object(&resource.name, &op.nickname);
        let call = if gone_is_done {
            quote!(self.ari().#module().#method(self.id(), #(#args),*).ok_if_gone())
        } else {
            quote!(self.ari().#module().#method(self.id(), #(#args),*))
        };
        let doc_gone: Vec<String> = gone_is_done
            .then(|| {
                format!(
                    " A {} that is already gone counts as done (not a 404 error).",
                    followed.noun
                )
            })
            .into_iter()
            .collect();
        methods.push(Method {
            docs: quote! {
                #(#[doc = #summary] #[doc = ""])*
                #[doc = #doc]
                #(#[doc = ""] #[doc = #doc_gone])*
            },
            signature: quote!(fn #method(&self, #(#params),*) -> super::#module::#builder),
            body: call,
        });
    }
    let docs = methods.iter().map(|m| &m.docs);
    let signatures: Vec<_> = methods.iter().map(|m| &m.signature).collect();
    let bodies = methods.iter().map(|m| &m.body);
    Ok(match ctx.options.runtime {
        Runtime::Crate => quote! {
            impl #rt::#handle<Ari> {
                #(#docs pub #signatures { #bodies })*
            }
        },
        // Outside `ari_sdk` its types take no inherent methods: the same
        // methods, on a trait of the module's own.
        Runtime::External => {
            let methods_trait = format_ident!("{}Methods", followed.handle);
            let doc = format!(
                " The operations of a {} of this module: [`{}`]'s methods (a trait, as the generated code is outside `ari_sdk`).",
                followed.noun, followed.handle
            );
            let signatures = &signatures;
            quote! {
                #[doc = #doc]
                pub trait #methods_trait {
                    #(#docs #signatures;)*
                }

                impl #methods_trait for #rt::#handle<Ari> {
                    #(#signatures { #bodies })*
                }
            }
        }
    })
}

/// One generated method of a handle.
struct Method {
    docs: TokenStream,
    /// `fn name(&self, ...) -> Builder`.
    signature: TokenStream,
    body: TokenStream,
}

/// `impl ChannelOps for ChannelHandle<Ari>` (and the others, see
/// [`Followed::ops_trait`]): each method sends what the inherent method of
/// the same name builds. Only inside `ari_sdk`.
pub(super) fn common_operations(
    ctx: &Context<'_>,
    followed: &Followed,
    resource: &ResourceInfo,
) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    // Outside `ari_sdk` a trait of the runtime cannot be implemented for a
    // type of the runtime (the orphan rule).
    if ctx.options.runtime == Runtime::External {
        return Ok(quote!());
    }
    let trait_name = followed.ops_trait;
    let handle = format_ident!("{}", followed.handle);
    let trait_ident = format_ident!("{}", trait_name);
    let model = format_ident!("{}", followed.model);
    let method_of = |nickname: &str| {
        resource
            .operations
            .iter()
            .find(|op| op.nickname == nickname)
            .map(|op| op.method_ident.clone())
            .ok_or_else(|| CodegenError::BadOperation {
                operation: format!("{}.{nickname}", resource.name),
                problem: format!("missing, and `{trait_name}` needs it in every major"),
            })
    };
    let get_method = method_of(followed.get)?;
    let mut methods = vec![quote! {
        fn #get_method(&self) -> #rt::ResponseFuture<super::#model> {
            #rt::#handle::<Ari>::#get_method(self).send()
        }
    }];
    for nickname in followed.common_ops {
        let method = method_of(nickname)?;
        methods.push(quote! {
            fn #method(&self) -> #rt::ResponseFuture<()> {
                #rt::#handle::<Ari>::#method(self).send()
            }
        });
    }
    Ok(quote! {
        impl #rt::#trait_ident for #rt::#handle<Ari> {
            type Snapshot = super::#model;
            #(#methods)*
        }
    })
}

/// Whether the operation's path starts with the resource's id.
fn operates_on(op: &OperationInfo, followed: &Followed) -> bool {
    op.path_params
        .first()
        .is_some_and(|p| p.wire == followed.id_param)
        && op.path.starts_with(&format!(
            "{}{{{}}}",
            followed.path_prefix, followed.id_param
        ))
}
