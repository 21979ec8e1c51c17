//! Alert channels (admins; `section#channels`): each configured channel (`[data-channel]`)
//! with where it goes (never a secret), its rate limit, its minimum level and a mode per kind
//! (on / silent / off; critical always goes out), saved with `PUT
//! /notifications/channels/{name}/rules`, and a "Send test" button that shows the channel's
//! own answer (`output.test-answer`). Channels themselves are set in the settings file or the
//! environment; in-app notifications always stream to the dashboard.

use crate::api::{self, BASE};
use app::notification::{Kind, Level};
use app::outbox::{ChannelView, KindMode, TestAnswer, TestRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

const LEVELS: [Level; 3] = [Level::Info, Level::Warning, Level::Critical];
const MODES: [KindMode; 3] = [KindMode::On, KindMode::Silent, KindMode::Off];

#[component]
pub fn ChannelsPanel() -> impl IntoView {
    let channels =
        LocalResource::new(|| async { api::get::<Vec<ChannelView>>(&format!("{BASE}/notifications/channels")).await });
    let list = move || {
        match channels.get() {
        None => view! { <p class="muted">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error">"Could not load the channels: " {e.to_string()}</p> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <p id="channels-none" class="muted">
                "No outgoing channel is configured. Set ARB__NOTIFY__TELEGRAM__…, ARB__NOTIFY__EMAIL__… or ARB__NOTIFY__WEBHOOKS__<NAME>__… (see the README)."
            </p>
        }
        .into_any(),
        Some(Ok(list)) => list.into_iter().map(|c| view! { <ChannelCard c/> }).collect_view().into_any(),
    }
    };
    view! {
        <section id="channels">
            <p class="muted">"In-app: every notification streams to the dashboard, always."</p>
            {list}
        </section>
    }
}

#[component]
fn ChannelCard(c: ChannelView) -> impl IntoView {
    let name = c.name.clone();
    let rules = RwSignal::new(c.rules.clone());
    let edited = RwSignal::new(c.edited);
    let saved = RwSignal::new(None::<Result<String, String>>);
    let test = RwSignal::new(None::<Result<TestAnswer, String>>);
    let testing = RwSignal::new(false);

    let save = {
        let name = name.clone();
        move |_| {
            let (name, body) = (name.clone(), rules.get_untracked());
            saved.set(None);
            spawn_local(async move {
                let url = format!("{BASE}/notifications/channels/{name}/rules");
                match api::put::<_, ChannelView>(&url, &body).await {
                    Ok(v) => {
                        rules.try_set(v.rules);
                        edited.try_set(true);
                        saved.try_set(Some(Ok("Saved: in effect for the next notification.".into())));
                    }
                    Err(e) => {
                        saved.try_set(Some(Err(format!("Not saved: {e}"))));
                    }
                }
            });
        }
    };
    let send_test = {
        let name = name.clone();
        move |_| {
            if testing.get_untracked() {
                return;
            }
            testing.set(true);
            test.set(None);
            let body = TestRequest { channel: name.clone() };
            spawn_local(async move {
                let answer = api::post::<_, TestAnswer>(&format!("{BASE}/notifications/test"), &body).await;
                test.try_set(Some(answer.map_err(|e| e.to_string())));
                testing.try_set(false);
            });
        }
    };
    let level_select = move || {
        let current = rules.with(|r| r.min_level);
        LEVELS
            .iter()
            .map(|l| {
                let text = app::text::name(l);
                view! { <option value=text.clone() selected=*l == current>{text.clone()}</option> }
            })
            .collect_view()
    };
    let kinds = Kind::ALL
        .iter()
        .filter(|k| **k != Kind::Test)
        .map(|kind| {
            let kind = *kind;
            let name = kind.name();
            let options = move || {
                let current = rules.with(|r| r.mode(kind));
                MODES
                    .iter()
                    .map(|m| {
                        let text = app::text::name(m);
                        view! { <option value=text.clone() selected=*m == current>{text.clone()}</option> }
                    })
                    .collect_view()
            };
            view! {
                <tr data-kind=name.clone()>
                    <td><code>{name.clone()}</code></td>
                    <td>
                        <select
                            aria-label=format!("{name} mode")
                            on:change=move |ev| {
                                if let Ok(m) = app::text::parse::<KindMode>(&event_target_value(&ev)) {
                                    rules.update(|r| {
                                        r.kinds.insert(kind, m);
                                    });
                                }
                            }
                        >
                            {options}
                        </select>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let answer = move || {
        test.get().map(|t| match t {
            Ok(a) => {
                let class = match a.status.as_str() {
                    "sent" => "verdict yes",
                    "failed" => "verdict no",
                    _ => "verdict warn",
                };
                view! {
                    <span class=class>{a.status.as_str()}</span>
                    " "
                    <span class="wrap">{a.answer.unwrap_or_else(|| "no answer yet".into())}</span>
                }
                .into_any()
            }
            Err(e) => view! { <span class="error">{e}</span> }.into_any(),
        })
    };
    view! {
        <article class="panel channel" data-channel=name.clone()>
            <header class="toolbar">
                <h3>{name.clone()} " " <span class="muted small">{app::text::name(&c.kind)}</span></h3>
                <Show when=move || edited.get()>
                    <span class="badge">"edited here"</span>
                </Show>
            </header>
            <p class="muted small">"To: " {c.destination.clone()} " · limit " {c.limits.clone()}</p>
            <div class="field">
                <label>"Minimum level"</label>
                <select
                    class="min-level"
                    on:change=move |ev| {
                        if let Ok(l) = app::text::parse::<Level>(&event_target_value(&ev)) {
                            rules.update(|r| r.min_level = l);
                        }
                    }
                >
                    {level_select}
                </select>
                <span class="field-hint muted">"Critical notifications always go out, with sound."</span>
            </div>
            <details>
                <summary>"Per kind"</summary>
                <table class="data-table kinds-table">
                    <tbody>{kinds}</tbody>
                </table>
            </details>
            <div class="form-actions">
                <button type="button" class="btn btn-primary save-rules" on:click=save>"Save rules"</button>
                <button type="button" class="btn send-test" disabled=move || testing.get() on:click=send_test>
                    {move || if testing.get() { "Sending…" } else { "Send test" }}
                </button>
                <output class="test-answer" aria-live="polite">{answer}</output>
                <span class="save-outcome" aria-live="polite">
                    {move || saved.get().map(|r| match r {
                        Ok(m) => view! { <span class="ok">{m}</span> }.into_any(),
                        Err(m) => view! { <span class="error">{m}</span> }.into_any(),
                    })}
                </span>
            </div>
        </article>
    }
}
