//! Access levels and actions.

use serde::{Deserialize, Serialize};

#[cfg(feature = "wasm")]
use tsify::Tsify;

/// How much a user may do with a record: `none < read < write < full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum Access {
    #[default]
    None,
    Read,
    Write,
    Full,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::None => "none",
            Access::Read => "read",
            Access::Write => "write",
            Access::Full => "full",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub enum Action {
    View,
    Edit,
    Delete,
    Create,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::View, Action::Edit, Action::Delete, Action::Create];

    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "view" => Some(Action::View),
            "edit" => Some(Action::Edit),
            "delete" => Some(Action::Delete),
            "create" => Some(Action::Create),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Edit => "edit",
            Action::Delete => "delete",
            Action::Create => "create",
        }
    }
    /// The record level the action needs.
    pub fn needs(self) -> Access {
        match self {
            Action::View => Access::Read,
            Action::Edit => Access::Write,
            Action::Delete => Access::Full,
            Action::Create => Access::None,
        }
    }
    pub(crate) fn bit(self) -> u8 {
        match self {
            Action::View => VIEW,
            Action::Edit => EDIT,
            Action::Delete => DELETE,
            Action::Create => CREATE,
        }
    }
}

pub(crate) const VIEW: u8 = 1;
pub(crate) const EDIT: u8 = 2;
pub(crate) const DELETE: u8 = 4;
pub(crate) const CREATE: u8 = 8;
