//! MISP warning lists.
#[derive(Debug, Default)]
pub struct WarningList;
#[derive(Debug, Default)]
pub struct WarningLists;
#[derive(Debug)]
pub struct WarningListError;
