//! Messages of images and networks: pull, load, the store, the local
//! registry, networks and their rules, and of the classroom tools: doctor,
//! the tour, lessons, completions.

crate::messages! {
    /// The tour's opening line.
    TOUR_BEGINS = "the tour of dockling's lessons begins" / "dockling 수업 둘러보기를 시작합니다";
}
