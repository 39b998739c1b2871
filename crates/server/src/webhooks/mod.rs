//! Webhooks out: the requests callhost sends to calling apps (channel-connection phone
//! numbers, recording retrieval), signed like HubSpot's ([`signature`]) and sent through a
//! [`client`] that will not be turned against the network callhost runs in ([`guard`]).

pub mod client;
pub mod guard;
pub mod signature;

pub use client::{
    StreamRequest, StreamedAnswer, WebhookClient, WebhookConfig, WebhookError, WebhookRequest,
};

#[cfg(test)]
mod tests;
