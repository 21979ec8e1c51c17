//! Users (admins only): the list (`#users-table tr[data-username]`), adding a user, changing
//! a role, resetting a password and disabling or re-enabling an account, against
//! `GET|POST /users` and `PUT /users/{username}`. Names and passwords are checked in the
//! browser by the server's own rules (`app::auth`) before anything is sent.

use crate::api::{self, ApiError, BASE};
use crate::auth::Session;
use crate::format;
use app::auth::{CreateUserRequest, Role, UpdateUserRequest, UserView, validate_password, validate_username};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use std::collections::BTreeMap;

#[component]
pub fn UsersPanel() -> impl IntoView {
    let reload = RwSignal::new(0_u32);
    let users = LocalResource::new(move || {
        reload.track();
        async move { api::get::<Vec<UserView>>(&format!("{BASE}/users")).await }
    });
    let me = use_context::<Session>().and_then(|s| s.me()).map(|m| m.username);
    // Each row's last outcome, kept here so that it survives the list's reload.
    let outcomes = RwSignal::new(BTreeMap::<String, Result<String, String>>::new());
    let status_row = move || match users.get() {
        None => Some(view! { <tr class="empty"><td colspan="6">"Loading…"</td></tr> }.into_any()),
        Some(Err(e)) => Some(
            view! {
                <tr class="empty"><td colspan="6" class="error">"Could not load the users: " {e.to_string()}</td></tr>
            }
            .into_any(),
        ),
        Some(Ok(_)) => None,
    };
    let list = move || users.get().and_then(Result::ok).unwrap_or_default();
    // Keyed by what a row shows: a reload re-renders only the rows that changed, so a row
    // being worked on (a password being typed) is left alone.
    let key = |u: &UserView| (u.username.clone(), u.role, u.disabled, u.created_ms, u.last_login_ms);
    let me = StoredValue::new(me);
    view! {
        <AddUser reload/>
        <div class="table-wrap">
            <table id="users-table" class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"User"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Created (UTC)"</th>
                        <th scope="col">"Last login (UTC)"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {status_row}
                    <For each=list key=key let:u>
                        {
                            let own = me.with_value(|me| me.as_deref() == Some(u.username.as_str()));
                            view! { <UserRow u own reload outcomes/> }
                        }
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AddUser(reload: RwSignal<u32>) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    // Messages appear once the user has tried to add, then follow every keystroke.
    let tried = RwSignal::new(false);
    let server = RwSignal::new(None::<ApiError>);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let name_error = move || {
        let local = tried.get().then(|| validate_username(username.get().trim()).err()).flatten();
        local.or_else(|| server.with(|e| e.as_ref().and_then(|e| e.field_message("username"))))
    };
    let password_error = move || {
        let local = tried.get().then(|| validate_password(&password.get()).err()).flatten();
        local.or_else(|| server.with(|e| e.as_ref().and_then(|e| e.field_message("password"))))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        server.set(None);
        let name = username.get_untracked().trim().to_owned();
        let pass = password.get_untracked();
        if validate_username(&name).is_err() || validate_password(&pass).is_err() {
            outcome.set(Some(Err("Nothing sent: correct the fields marked.".into())));
            return;
        }
        let req = CreateUserRequest { username: name.clone(), password: pass, role: role.get_untracked() };
        spawn_local(async move {
            match api::post::<_, Value>(&format!("{BASE}/users"), &req).await {
                Ok(_) => {
                    outcome.try_set(Some(Ok(format!("Added {name} ({}).", req.role))));
                    username.try_set(String::new());
                    password.try_set(String::new());
                    tried.try_set(false);
                    reload.try_update(|n| *n += 1);
                }
                Err(e) => {
                    outcome.try_set(Some(Err(format!("Not added: {e}"))));
                    server.try_set(Some(e));
                }
            }
        });
    };
    view! {
        <form id="user-add" class="inline-form" novalidate=true on:submit=submit>
            <div class="field" data-field="username" class:invalid=move || name_error().is_some()>
                <label for="user-add-username">"Username"</label>
                <input
                    id="user-add-username"
                    type="text"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev))
                />
                <span class="field-error" data-error-for="username" aria-live="polite">{name_error}</span>
            </div>
            <div class="field" data-field="password" class:invalid=move || password_error().is_some()>
                <label for="user-add-password">"Password"</label>
                <input
                    id="user-add-password"
                    type="password"
                    autocomplete="new-password"
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
                <span class="field-error" data-error-for="password" aria-live="polite">{password_error}</span>
            </div>
            <div class="field" data-field="role">
                <label for="user-add-role">"Role"</label>
                <RoleSelect id="user-add-role" value=role.into() on_pick=move |r| role.set(r) disabled=Signal::stored(false)/>
            </div>
            <button id="user-add-submit" type="submit" class="btn btn-primary">"Add user"</button>
            <span class=move || outcome_class(&outcome.get()) role="status">
                {move || outcome.get().map(|o| o.unwrap_or_else(|e| e))}
            </span>
        </form>
    }
}

#[component]
fn UserRow(
    u: UserView,
    own: bool,
    reload: RwSignal<u32>,
    outcomes: RwSignal<BTreeMap<String, Result<String, String>>>,
) -> impl IntoView {
    let name = u.username.clone();
    let outcome = {
        let name = name.clone();
        Signal::derive(move || outcomes.with(|o| o.get(&name).cloned()))
    };
    let set_outcome = {
        let name = name.clone();
        move |o: Result<String, String>| {
            outcomes.try_update(|all| all.insert(name.clone(), o));
        }
    };
    let resetting = RwSignal::new(false);
    let confirm_disable = RwSignal::new(false);
    let new_password = RwSignal::new(String::new());
    let password_error = RwSignal::new(None::<String>);

    let update = {
        let name = name.clone();
        move |req: UpdateUserRequest, done: &'static str| {
            let url = format!("{BASE}/users/{name}");
            let set_outcome = set_outcome.clone();
            spawn_local(async move {
                match api::put::<_, Value>(&url, &req).await {
                    Ok(_) => {
                        set_outcome(Ok(done.to_owned()));
                        reload.try_update(|n| *n += 1);
                    }
                    Err(e) => {
                        let fields = ["password", "role", "disabled"];
                        let message = fields.iter().find_map(|f| e.field_message(f)).unwrap_or_else(|| e.to_string());
                        set_outcome(Err(message));
                    }
                }
            });
        }
    };
    let set_role = {
        let update = update.clone();
        move |role: Role| update(UpdateUserRequest { role: Some(role), ..Default::default() }, "Role changed.")
    };
    let set_disabled = {
        let update = update.clone();
        move |disabled: bool| {
            confirm_disable.set(false);
            let done = if disabled { "Disabled; sessions ended." } else { "Enabled." };
            update(UpdateUserRequest { disabled: Some(disabled), ..Default::default() }, done)
        }
    };
    let save_password = {
        let update = update.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let pass = new_password.get_untracked();
            if let Err(e) = validate_password(&pass) {
                password_error.set(Some(e));
                return;
            }
            password_error.set(None);
            resetting.set(false);
            new_password.set(String::new());
            update(UpdateUserRequest { password: Some(pass), ..Default::default() }, "Password reset; sessions ended.")
        }
    };
    let disabled = u.disabled;
    let role_locked = Signal::stored(own);
    let own_title = if own { "You cannot change your own role or disable yourself" } else { "" };
    let reset_open = move |_| resetting.update(|r| *r = !*r);
    let last_login = u.last_login_ms.map(date_time).unwrap_or_else(|| "never".into());
    let confirm_name = name.clone();
    view! {
        <tr data-username=name.clone() class:disabled-user=disabled>
            <th scope="row" data-col="username">{name.clone()} {own.then_some(" (you)")}</th>
            <td data-col="role" title=own_title>
                <RoleSelect id="" value=Signal::stored(u.role) on_pick=set_role disabled=role_locked/>
            </td>
            <td data-col="status">
                {if disabled {
                    view! { <span class="verdict no">"disabled"</span> }.into_any()
                } else {
                    view! { <span class="verdict yes">"active"</span> }.into_any()
                }}
            </td>
            <td data-col="created" class="nowrap">{date_time(u.created_ms)}</td>
            <td data-col="last-login" class="nowrap">{last_login}</td>
            <td data-col="actions" class="actions">
                <button type="button" class="btn btn-small" data-action="reset-password" on:click=reset_open>
                    "Reset password"
                </button>
                {move || match (disabled, confirm_disable.get()) {
                    (true, _) => {
                        let set_disabled = set_disabled.clone();
                        view! {
                            <button type="button" class="btn btn-small" data-action="enable" on:click=move |_| set_disabled(false)>
                                "Enable"
                            </button>
                        }
                        .into_any()
                    }
                    (false, false) => view! {
                        <button
                            type="button"
                            class="btn btn-small btn-danger"
                            data-action="disable"
                            disabled=own
                            title=own_title
                            on:click=move |_| confirm_disable.set(true)
                        >
                            "Disable"
                        </button>
                    }
                    .into_any(),
                    (false, true) => {
                        let set_disabled = set_disabled.clone();
                        view! {
                            <span class="confirm">
                                "Disable " {confirm_name.clone()} "? "
                                <button type="button" class="btn btn-small btn-danger" data-action="confirm-disable" on:click=move |_| set_disabled(true)>
                                    "Disable"
                                </button>
                                <button type="button" class="btn btn-small" on:click=move |_| confirm_disable.set(false)>
                                    "Cancel"
                                </button>
                            </span>
                        }
                        .into_any()
                    }
                }}
                <Show when=move || resetting.get()>
                    <form class="reset-password" novalidate=true on:submit=save_password.clone()>
                        <input
                            type="password"
                            autocomplete="new-password"
                            aria-label="New password"
                            placeholder="new password (12+ characters)"
                            prop:value=move || new_password.get()
                            on:input=move |ev| new_password.set(event_target_value(&ev))
                        />
                        <button type="submit" class="btn btn-small btn-primary" data-action="save-password">"Set"</button>
                        <span class="field-error" data-error-for="new-password">{move || password_error.get()}</span>
                    </form>
                </Show>
                <span class=move || outcome_class(&outcome.get()) role="status">
                    {move || outcome.get().map(|o| o.unwrap_or_else(|e| e))}
                </span>
            </td>
        </tr>
    }
}

#[component]
fn RoleSelect(
    id: &'static str,
    value: Signal<Role>,
    on_pick: impl Fn(Role) + 'static,
    disabled: Signal<bool>,
) -> impl IntoView {
    let options = Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=move || value.get() == r>{r.as_str()}</option> })
        .collect_view();
    view! {
        <select
            id=(!id.is_empty()).then_some(id)
            aria-label="Role"
            disabled=move || disabled.get()
            on:change=move |ev| {
                if let Ok(r) = event_target_value(&ev).parse::<Role>() {
                    on_pick(r);
                }
            }
        >
            {options}
        </select>
    }
}

fn outcome_class(o: &Option<Result<String, String>>) -> &'static str {
    match o {
        Some(Err(_)) => "form-outcome error",
        _ => "form-outcome",
    }
}

fn date_time(ms: i64) -> String {
    format!("{} {}", format::utc_month_day(ms), format::utc_time(ms))
}
