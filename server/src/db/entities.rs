//! sea-orm entities. Decimals are stored as text and parsed back exactly.

pub mod funding_rate {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "funding_rates")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub venue: String,
        pub symbol: String,
        pub kind: String,
        pub time_ms: i64,
        pub rate: String,
        pub interval_hours: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod mark_price {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mark_prices")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub venue: String,
        pub symbol: String,
        pub time_ms: i64,
        pub mark: String,
        pub index_price: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
