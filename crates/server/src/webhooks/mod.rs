//! Webhooks out: the requests callhost sends to calling apps (channel-connection phone
//! numbers, recording retrieval), signed like HubSpot's ([`signature`]).

pub mod signature;
