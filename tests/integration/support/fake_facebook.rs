//! The Facebook-Login flavour of the fake: `graph.facebook.com` as
//! `shared/docs/instagram-api.md` §6 describes it.
//!
//! - versioned paths (`/v25.0/...`; any version is served, and recorded);
//! - `GET /me/accounts` with a user token: the Pages its user can act on,
//!   with field selection and cursor paging; with a Page token, a code-100
//!   "nonexisting field (accounts) on node type (Page)";
//! - `GET /{page-id}?fields=instagram_business_account`, the key absent when
//!   no Instagram account is connected; `GET /me` as a Page token's Page;
//! - the IG User node (`/{ig-user-id}`: no `account_type` there) and its
//!   `/media`, the same shape as on graph.instagram.com, plus `like_count` and
//!   `comments_count`;
//! - `GET /oauth/access_token?grant_type=fb_exchange_token`;
//! - an Instagram-Login token is answered with 190 "Cannot parse access token";
//! - Business Discovery (`shared/docs/business-discovery.md` §7): on the IG
//!   User node, `fields=business_discovery.username(X){...}` is parsed as a
//!   nested selection; a known professional account answers with only the
//!   requested subfields (plus `id`), its media edge paged by
//!   `media.limit(n)` (default 25) and `.after(cursor)`, with `cursors`
//!   only (`before` after the first page) and never `next`; `media_url` is
//!   left out for licensed-audio videos and `like_count` for hidden likes; an
//!   unknown or personal name is 400 code 110 subcode 2207013 with
//!   localised user texts; every answer carries `X-App-Usage`.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::http::Response;
use serde_json::{Map, Value, json};

use super::fake_instagram::{
    APP_ID, APP_SECRET, State, UnknownField, cdn_url, graph_error, graph_json, media_node,
    media_page, nonexisting, paged, render_media, split_fields,
};

/// A long-lived Facebook user token the fake accepts (obviously fake, `EAA…` like real ones).
pub const FB_USER_TOKEN: &str =
    "EAAtest-user-token-NOT-REAL-3c9e1b7d5f2a8c4e6b0d9f7a5c3e1b8d6f4a2c0e9b7d5f3a1c8e6b4d2f0";
/// The token of the Page the Instagram account is connected to.
pub const FB_PAGE_TOKEN: &str =
    "EAAtest-page-token-NOT-REAL-8d6f4a2c0e9b7d5f3a1c8e6b4d2f0a9c7e5b3d1f8a6c4e2b0d9f7a5c3e1";
/// A short-lived user token, for the exchange.
pub const FB_SHORT_TOKEN: &str =
    "EAAtest-short-token-NOT-REAL-1f8a6c4e2b0d9f7a5c3e1b8d6f4a2c0e9b7d5f3a1c8e6b4d2f0a9c7e5b3d";

/// A Facebook Page.
#[derive(Debug, Clone)]
pub struct FakePage {
    pub id: String,
    pub name: String,
    /// The connected Instagram business account, if any.
    pub ig_user_id: Option<String>,
    /// Its Page token.
    pub token: String,
}

/// What graph.facebook.com knows besides the Instagram account.
#[derive(Debug, Clone)]
pub struct FakeFacebook {
    /// The user's Pages, in `/me/accounts` order.
    pub pages: Vec<FakePage>,
    /// Valid long-lived user tokens.
    pub user_tokens: Vec<String>,
    /// Valid short-lived user tokens (only good for the exchange and for reading).
    pub short_tokens: Vec<String>,
    /// The server's cap on `limit` for `/me/accounts`.
    pub max_accounts_page: usize,
    /// Graph API versions seen in paths.
    pub versions: Vec<String>,
    /// Accounts Business Discovery can find, by username.
    pub discoverable: Vec<FakeDiscoverable>,
    /// The `business_discovery…` field value of every discovery call, in order.
    pub discovery_calls: Vec<String>,
    /// The next this-many discovery calls hand out CDN links that already expired.
    pub stale_discovery_calls: usize,
    /// Set: the `after` cursor of every nested media page, as a hostile server sends it.
    pub hostile_cursor: Option<String>,
}

/// An account another one can read through Business Discovery.
#[derive(Debug, Clone)]
pub struct FakeDiscoverable {
    pub id: String,
    pub username: String,
    pub name: String,
    pub followers: u64,
    /// Image name of the profile picture.
    pub picture: Option<String>,
    pub posts: Vec<super::fake_instagram::FakePost>,
    /// A personal account: Business Discovery answers as for an unknown name.
    pub personal: bool,
}

impl FakeFacebook {
    /// One Page without Instagram, then the Page connected to `ig_user_id`.
    pub fn new(ig_user_id: &str) -> Self {
        FakeFacebook {
            pages: vec![
                FakePage {
                    id: "100000000000011".into(),
                    name: "Bakery Events".into(),
                    ig_user_id: None,
                    token: "EAAtest-page-token-other-NOT-REAL-0000000000000000000000".into(),
                },
                FakePage {
                    id: "100000000000012".into(),
                    name: "Feedgen Test Shop".into(),
                    ig_user_id: Some(ig_user_id.into()),
                    token: FB_PAGE_TOKEN.into(),
                },
            ],
            user_tokens: vec![FB_USER_TOKEN.into()],
            short_tokens: vec![FB_SHORT_TOKEN.into()],
            max_accounts_page: 100,
            versions: Vec::new(),
            discoverable: Vec::new(),
            discovery_calls: Vec::new(),
            stale_discovery_calls: 0,
            hostile_cursor: None,
        }
    }
}

/// Who a token is.
enum Caller {
    User,
    Page(FakePage),
}

fn caller(fb: &FakeFacebook, token: &str) -> Option<Caller> {
    if fb
        .user_tokens
        .iter()
        .chain(&fb.short_tokens)
        .any(|t| t == token)
    {
        return Some(Caller::User);
    }
    fb.pages
        .iter()
        .find(|p| p.token == token)
        .cloned()
        .map(Caller::Page)
}

/// 190 without a subcode: a token graph.facebook.com does not know.
fn cannot_parse() -> Response<Body> {
    graph_error(
        400,
        190,
        None,
        "OAuthException",
        "Invalid OAuth access token - Cannot parse access token",
    )
}

fn unsupported(id: &str) -> Response<Body> {
    graph_error(
        400,
        100,
        Some(33),
        "GraphMethodException",
        &format!(
            "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
        ),
    )
}

/// The Page node with `fields`; an unknown field is answered as Graph does.
fn page(p: &FakePage, fields: &[String]) -> Response<Body> {
    match page_json(p, fields) {
        Ok(v) => graph_json(200, &v),
        Err(UnknownField(f)) => nonexisting(&f, "Page"),
    }
}

fn page_json(p: &FakePage, fields: &[String]) -> Result<Value, UnknownField> {
    let mut obj = Map::new();
    for f in fields {
        match f.as_str() {
            "id" => {}
            "name" => {
                obj.insert(f.clone(), json!(p.name));
            }
            "access_token" => {
                obj.insert(f.clone(), json!(p.token));
            }
            "category" => {
                obj.insert(f.clone(), json!("Bakery"));
            }
            "tasks" => {
                obj.insert(
                    f.clone(),
                    json!([
                        "ADVERTISE",
                        "ANALYZE",
                        "CREATE_CONTENT",
                        "MESSAGING",
                        "MODERATE",
                        "MANAGE"
                    ]),
                );
            }
            "instagram_business_account" => {
                if let Some(ig) = &p.ig_user_id {
                    obj.insert(f.clone(), json!({ "id": ig }));
                }
            }
            other => return Err(UnknownField(other.to_string())),
        }
    }
    obj.insert("id".into(), json!(p.id));
    Ok(Value::Object(obj))
}

/// Answers one graph.facebook.com request; `path` still has its version.
pub fn handle(
    s: &mut State,
    addr: SocketAddr,
    path: &str,
    q: &HashMap<String, String>,
    token: &str,
) -> Response<Body> {
    let mut segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let version = segments
        .first()
        .filter(|v| v.starts_with('v') && v[1..].split('.').all(|p| p.parse::<u32>().is_ok()))
        .map(|v| v.to_string());
    if let Some(v) = &version {
        segments.remove(0);
        let fb = s.facebook.as_mut().expect("facebook flavour");
        if !fb.versions.contains(v) {
            fb.versions.push(v.clone());
        }
    }
    let version = version.unwrap_or_else(|| "v25.0".into());
    let fb = s.facebook.clone().expect("facebook flavour");
    let fields = split_fields(q.get("fields").map(String::as_str).unwrap_or("id"));

    let Some(who) = caller(&fb, token) else {
        return cannot_parse();
    };
    let ig = s.user_id.clone();
    // The Instagram account is readable by a user who has its Page, or by that Page.
    let reads_ig = match &who {
        Caller::User => fb
            .pages
            .iter()
            .any(|p| p.ig_user_id.as_deref() == Some(&ig)),
        Caller::Page(p) => p.ig_user_id.as_deref() == Some(&ig),
    };
    match (segments.as_slice(), &who) {
        (["me", "accounts"], Caller::Page(_)) => nonexisting("accounts", "Page"),
        (["me", "accounts"], Caller::User) => {
            let limit = q
                .get("limit")
                .and_then(|l| l.parse::<usize>().ok())
                .unwrap_or(25)
                .clamp(1, fb.max_accounts_page);
            let start = q
                .get("after")
                .and_then(|c| c.strip_prefix("UGFn"))
                .and_then(|h| usize::from_str_radix(h, 16).ok())
                .unwrap_or(0);
            let end = (start + limit).min(fb.pages.len());
            let mut data = Vec::new();
            for p in &fb.pages[start.min(end)..end] {
                match page_json(p, &fields) {
                    Ok(v) => data.push(v),
                    Err(UnknownField(f)) => return nonexisting(&f, "Page"),
                }
            }
            paged(
                data,
                "UGFn",
                (start, end, fb.pages.len()),
                &format!("http://{addr}/{version}/10000000000001/accounts"),
                &[
                    ("access_token", token),
                    ("fields", &fields.join(",")),
                    ("limit", &limit.to_string()),
                ],
            )
        }
        (["10000000000001", "accounts"], Caller::User) => {
            // The `next` links of /me/accounts name the user by id.
            handle(s, addr, &format!("/{version}/me/accounts"), q, token)
        }
        (["me"], Caller::Page(p)) => page(p, &fields),
        (["me"], Caller::User) => {
            let mut obj = Map::new();
            for f in &fields {
                match f.as_str() {
                    "id" => {}
                    "name" => {
                        obj.insert(f.clone(), json!("Test User"));
                    }
                    other => return nonexisting(other, "User"),
                }
            }
            obj.insert("id".into(), json!("10000000000001"));
            graph_json(200, &Value::Object(obj))
        }
        ([id], _) if *id == ig => {
            if !reads_ig {
                return unsupported(id);
            }
            let mut obj = Map::new();
            for f in &fields {
                if f.starts_with("business_discovery") {
                    return discovery(s, addr, f);
                }
                match f.as_str() {
                    "id" => {}
                    "username" => {
                        obj.insert(f.clone(), json!(s.username));
                    }
                    "name" => {
                        obj.insert(f.clone(), json!("Feedgen Test Shop"));
                    }
                    "media_count" => {
                        obj.insert(f.clone(), json!(s.posts.len()));
                    }
                    "followers_count" | "follows_count" => {
                        obj.insert(f.clone(), json!(42));
                    }
                    "ig_id" => {
                        obj.insert(f.clone(), json!(1_234_567_890u64));
                    }
                    "profile_picture_url" => {
                        if let Some(p) = &s.picture {
                            obj.insert(f.clone(), json!(cdn_url(addr, p, s.now)));
                        }
                    }
                    "biography" | "website" => {}
                    other => return nonexisting(other, "User"),
                }
            }
            obj.insert("id".into(), json!(ig));
            graph_json(200, &Value::Object(obj))
        }
        ([id, "media"], _) if *id == ig => {
            if !reads_ig {
                return unsupported(id);
            }
            media_page(s, addr, q, token, &version)
        }
        ([id], who) => {
            let found = fb.pages.iter().find(|p| p.id == *id);
            match (found, who) {
                (Some(p), Caller::User) => page(p, &fields),
                (Some(p), Caller::Page(me)) if p.id == me.id => page(p, &fields),
                (Some(_), _) => unsupported(id),
                (None, _) if reads_ig => media_node(s, addr, id, q, "GraphMethodException"),
                (None, _) => unsupported(id),
            }
        }
        _ => graph_error(
            400,
            100,
            None,
            "GraphMethodException",
            "Unsupported get request.",
        ),
    }
}

/// `GET /oauth/access_token?grant_type=fb_exchange_token`: short → long-lived user token.
pub fn exchange(s: &mut State, q: &HashMap<String, String>) -> Response<Body> {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") != "fb_exchange_token" {
        return graph_error(400, 100, None, "OAuthException", "Invalid grant_type");
    }
    if get("client_id") != APP_ID || get("client_secret") != APP_SECRET {
        return graph_error(
            400,
            101,
            None,
            "OAuthException",
            "Error validating client secret.",
        );
    }
    let fb = s.facebook.as_mut().expect("facebook flavour");
    let short = get("fb_exchange_token").to_string();
    if !fb.short_tokens.contains(&short) && !fb.user_tokens.contains(&short) {
        return cannot_parse();
    }
    s.issued += 1;
    let long = format!("EAAlong{:04}-NOT-REAL-{}", s.issued, "y".repeat(60));
    s.facebook
        .as_mut()
        .expect("facebook flavour")
        .user_tokens
        .push(long.clone());
    graph_json(
        200,
        &json!({"access_token": long, "token_type": "bearer", "expires_in": 5_183_944}),
    )
}

/// One field of a nested selection.
struct Field {
    name: String,
    /// `.name(value)` modifiers, in order.
    modifiers: Vec<(String, String)>,
    /// The `{…}` selection, without braces.
    selection: String,
}

/// `name(args)` modifiers and the `{…}` selection of one field: e.g.
/// `media.limit(3).after(X){id,caption}` → media, [limit 3, after X], `id,caption`.
fn parse_field(f: &str) -> Option<Field> {
    let (head, selection) = match f.find('{') {
        Some(i) => (&f[..i], f[i + 1..].strip_suffix('}')?.to_string()),
        None => (f, String::new()),
    };
    // `.` separates modifiers only outside parentheses: `username(joe.doe)`.
    let (mut parts, mut cur, mut depth) = (Vec::new(), String::new(), 0);
    for c in head.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '.' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    let mut parts = parts.into_iter();
    let name = parts.next()?;
    let mut modifiers = Vec::new();
    for m in parts {
        let (k, rest) = m.split_once('(')?;
        modifiers.push((k.to_string(), rest.strip_suffix(')')?.to_string()));
    }
    Some(Field {
        name,
        modifiers,
        selection,
    })
}

fn no_such_account(name: &str) -> Response<Body> {
    // Observed: Norwegian user texts (TDT4290-Group-1/Knitalytics); they are localised.
    graph_json(
        400,
        &json!({"error": {"message": "Invalid user id", "type": "OAuthException", "code": 110,
            "error_subcode": 2207013, "is_transient": false,
            "error_user_title": "Finner ikke brukeren",
            "error_user_msg": format!("Finner ikke brukeren med brukernavnet {name}."),
            "fbtrace_id": "ANBNR3TGl3LX21R8bjSzjYE"}}),
    )
}

/// The `business_discovery.username(X){…}` field of the IG User node.
fn discovery(s: &mut State, addr: SocketAddr, field: &str) -> Response<Body> {
    let fb = s.facebook.as_mut().expect("facebook flavour");
    fb.discovery_calls.push(field.to_string());
    let fresh = fb.stale_discovery_calls == 0;
    fb.stale_discovery_calls = fb.stale_discovery_calls.saturating_sub(1);
    let Some(Field {
        modifiers,
        selection,
        ..
    }) = parse_field(field)
    else {
        return graph_error(400, 100, None, "OAuthException", "Syntax error in fields");
    };
    let Some(name) = modifiers
        .iter()
        .find(|(k, _)| k == "username")
        .map(|(_, v)| v.clone())
    else {
        return graph_error(
            400,
            100,
            None,
            "OAuthException",
            "(#100) Missing username parameter",
        );
    };
    let Some(target) = fb
        .discoverable
        .iter()
        .find(|a| a.username == name && !a.personal)
        .cloned()
    else {
        return no_such_account(&name);
    };
    let mut obj = Map::new();
    for f in split_fields(&selection) {
        let Some(Field {
            name: key,
            modifiers: mods,
            selection: sub,
        }) = parse_field(&f)
        else {
            return graph_error(400, 100, None, "OAuthException", "Syntax error in fields");
        };
        match key.as_str() {
            "id" => {}
            "username" => {
                obj.insert(key, json!(target.username));
            }
            "name" => {
                obj.insert(key, json!(target.name));
            }
            "followers_count" => {
                obj.insert(key, json!(target.followers));
            }
            "follows_count" => {
                obj.insert(key, json!(25));
            }
            "media_count" => {
                obj.insert(key, json!(target.posts.len()));
            }
            "ig_id" => {
                obj.insert(key, json!(7_957_300_152u64));
            }
            "profile_picture_url" => {
                if let Some(p) = &target.picture {
                    obj.insert(key, json!(cdn_url(addr, p, s.now)));
                }
            }
            "biography" | "website" => {}
            "media" => match discovered_media(s, addr, &target, &mods, &sub, fresh) {
                Ok(v) => {
                    obj.insert(key, v);
                }
                Err(r) => return *r,
            },
            other => return nonexisting(other, "User"),
        }
    }
    obj.insert("id".into(), json!(target.id));
    let me = s.user_id.clone();
    graph_json(200, &json!({"business_discovery": obj, "id": me}))
}

/// The nested media edge: `limit` (default 25), `after`, cursors only.
fn discovered_media(
    s: &State,
    addr: SocketAddr,
    target: &FakeDiscoverable,
    mods: &[(String, String)],
    sub: &str,
    fresh: bool,
) -> Result<Value, Box<Response<Body>>> {
    let get = |k: &str| mods.iter().find(|(m, _)| m == k).map(|(_, v)| v.as_str());
    let limit = get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, s.max_page_size);
    let start = match get("after") {
        Some(c) => c
            .strip_prefix("QVFIUjRU")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
            .ok_or_else(|| {
                Box::new(graph_error(
                    400,
                    100,
                    None,
                    "OAuthException",
                    "Invalid cursor",
                ))
            })?,
        None => 0,
    };
    let fields = split_fields(if sub.is_empty() { "id" } else { sub });
    let end = (start + limit).min(target.posts.len());
    let mut data = Vec::new();
    for p in &target.posts[start.min(end)..end] {
        let mut v = render_media(p, &fields, s, addr, fresh)
            .map_err(|UnknownField(f)| Box::new(nonexisting(&f, "Media")))?;
        if p.licensed_audio {
            v.as_object_mut().unwrap().remove("media_url");
        }
        data.push(v);
    }
    let cursor = |i: usize| format!("QVFIUjRU{i:x}");
    let mut edge = json!({ "data": data });
    if start < end {
        let after = s
            .facebook
            .as_ref()
            .and_then(|f| f.hostile_cursor.clone())
            .unwrap_or_else(|| cursor(end));
        let mut cursors = json!({ "after": after });
        if start > 0 {
            cursors["before"] = json!(cursor(start));
        }
        edge["paging"] = json!({ "cursors": cursors });
    }
    Ok(edge)
}
