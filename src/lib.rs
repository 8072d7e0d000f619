//! dockling
