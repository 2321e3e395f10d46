//! The Instagram API with Facebook Login (`graph.facebook.com`): which
//! Instagram business account a token reads, and trading tokens.
//!
//! A Facebook user token reaches Instagram through the Facebook Pages its user
//! can act on: `GET /me/accounts` lists them, `GET /{page-id}?fields=instagram_business_account`
//! names the Instagram account connected to each, and that account's id is
//! where graph.instagram.com would say `me`. A Page token is the Page itself,
//! so `GET /me?fields=instagram_business_account` answers at once. With
//! `source.ig_user_id` none of this is needed.

use super::instagram::{InstagramClient, IssuedToken};
use super::wire;
use crate::error::{ApiError, ConfigError, Error, TokenProblem};
use crate::kinds::SourceKind;
use crate::secret::Token;

/// At most this many pages of `/me/accounts` are read (100 Pages each).
const MAX_ACCOUNT_PAGES: usize = 20;

/// The Instagram account a Facebook token reads, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The Instagram business account's id: the node `/{id}/media` is read from.
    pub ig_user_id: String,
    /// The Facebook Page it is connected to: id and name.
    pub page: (String, String),
}

fn no_account(found: String) -> Error {
    Error::Token {
        problem: TokenProblem::NoInstagramAccount(found),
        login: SourceKind::Facebook,
        detail: None,
    }
}

/// Ids from the API go into paths: only strings of digits are taken.
fn checked_id(id: &str, what: &str) -> Result<(), Error> {
    if !crate::model::is_graph_id(id) {
        return Err(ApiError::Unexpected {
            url: "graph.facebook.com".into(),
            status: 200,
            reason: format!(
                "the {what} id {:?} is not a string of digits",
                crate::secret::printable(id)
            ),
        }
        .into());
    }
    Ok(())
}

fn page_name(p: &wire::Page) -> String {
    crate::secret::printable(p.name.as_deref().unwrap_or(&p.id)).into_owned()
}

impl InstagramClient<'_> {
    /// Points the client at the account `source` reads: `me` on
    /// graph.instagram.com; on graph.facebook.com `source.ig_user_id`, or the
    /// account [`InstagramClient::discover`] finds (returned, for its Page and
    /// the requests it took).
    pub async fn into_account(
        self,
        source: &crate::config::SourceConfig,
    ) -> Result<(Self, Option<Discovered>), Error> {
        match (source.kind, &source.ig_user_id) {
            (SourceKind::Instagram, _) => Ok((self, None)),
            (SourceKind::Facebook, Some(id)) => Ok((self.for_user(id), None)),
            (SourceKind::Facebook, None) => {
                let found = self.discover(source.page_id.as_deref()).await?;
                Ok((self.for_user(&found.ig_user_id), Some(found)))
            }
        }
    }

    /// Every Page of `GET /me/accounts` with `fields`; `None` when the token
    /// is a Page token (a Page has no `accounts` edge).
    async fn pages(&self, fields: &str) -> Result<Option<Vec<wire::Page>>, Error> {
        let first = self.endpoint("me/accounts", &[("fields", fields), ("limit", "100")]);
        let mut page: wire::Pages = match self.get(first).await {
            Err(Error::Api(ApiError::Graph {
                code: 100, message, ..
            })) if message.contains("(accounts)") => {
                return Ok(None);
            }
            other => other?,
        };
        let mut all = Vec::new();
        for _ in 0..MAX_ACCOUNT_PAGES {
            all.append(&mut page.data);
            let Some(next) = page.paging.take().and_then(|p| p.next) else {
                break;
            };
            let next = self.checked_next(&next)?;
            page = self.get(next).await?;
        }
        Ok(Some(all))
    }

    /// Finds the Instagram business account this (Facebook user or Page) token
    /// reads: on `page_id` if given, else on whichever of its Pages has one.
    /// Several candidates are a config error listing them.
    pub async fn discover(&self, page_id: Option<&str>) -> Result<Discovered, Error> {
        let fields = "id,name,instagram_business_account";
        let one = |p: wire::Page| match &p.instagram_business_account {
            Some(ig) => checked_id(&ig.id, "Instagram account").map(|()| Discovered {
                ig_user_id: ig.id.clone(),
                page: (p.id.clone(), page_name(&p)),
            }),
            None => Err(no_account(format!(
                "the Facebook Page {} (id {}) has no Instagram business account connected",
                page_name(&p),
                p.id
            ))),
        };
        if let Some(id) = page_id {
            let url = self.endpoint(id, &[("fields", fields)]);
            let page: wire::Page = self.get(url).await?;
            return one(page);
        }
        let Some(pages) = self.pages("id,name").await? else {
            // A Page token: the Page is `me`.
            let url = self.endpoint("me", &[("fields", fields)]);
            let page: wire::Page = self.get(url).await?;
            return one(page);
        };
        if pages.is_empty() {
            return Err(no_account(
                "it sees no Facebook Page (it lacks pages_show_list, or its user has no task on any Page)".into(),
            ));
        }
        let mut found = Vec::new();
        for p in &pages {
            checked_id(&p.id, "Page")?;
            let url = self.endpoint(&p.id, &[("fields", fields)]);
            let page: wire::Page = self.get(url).await?;
            if page.instagram_business_account.is_some() {
                found.push(page);
            }
        }
        match found.len() {
            0 => Err(no_account(format!(
                "none of its Facebook Pages ({}) has an Instagram business account connected",
                pages.iter().map(page_name).collect::<Vec<_>>().join(", ")
            ))),
            1 => one(found.remove(0)),
            _ => Err(ConfigError::invalid(
                "source.ig_user_id",
                &format!(
                    "the token reads several Instagram accounts: {}. Set source.ig_user_id (or source.page_id) to the one this feed shows",
                    found
                        .iter()
                        .map(|p| format!(
                            "Page {} (page_id {}) → ig_user_id {}",
                            page_name(p),
                            p.id,
                            p.instagram_business_account.as_ref().map_or("", |n| n.id.as_str())
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
            .into()),
        }
    }

    /// `GET /oauth/access_token?grant_type=fb_exchange_token`: trades this
    /// client's (short-lived) Facebook user token for a long-lived one (about 60 days).
    pub async fn exchange_facebook(
        &self,
        app_id: &str,
        app_secret: &Token,
    ) -> Result<IssuedToken, Error> {
        let url = self.endpoint(
            "oauth/access_token",
            &[
                ("grant_type", "fb_exchange_token"),
                ("client_id", app_id),
                ("client_secret", app_secret.expose()),
                ("fb_exchange_token", self.token().expose()),
            ],
        );
        let t: wire::TokenResponse = self.with_secret(app_secret).get_as(url, false).await?;
        IssuedToken::from_wire(t)
    }

    /// The Page token of the Page connected to Instagram account `ig_user_id`
    /// (or of Page `page_id`), from `GET /me/accounts`. Made from a long-lived
    /// user token, a Page token does not expire.
    pub async fn page_token(
        &self,
        ig_user_id: Option<&str>,
        page_id: Option<&str>,
    ) -> Result<Option<(Token, String)>, Error> {
        let Some(pages) = self
            .pages("id,name,access_token,instagram_business_account")
            .await?
        else {
            return Ok(None);
        };
        let chosen = pages.into_iter().find(|p| {
            page_id.is_some_and(|id| p.id == id)
                || (page_id.is_none()
                    && p.instagram_business_account
                        .as_ref()
                        .is_some_and(|ig| ig_user_id.is_none_or(|want| ig.id == want)))
        });
        Ok(chosen.and_then(|p| {
            let name = page_name(&p);
            p.access_token.map(|t| (t, name))
        }))
    }
}
