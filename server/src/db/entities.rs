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
        /// The mark at settlement (imported history); none for the collector's rows.
        pub mark: Option<String>,
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

pub mod position {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "positions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub symbol: String,
        pub strategy: String,
        pub status: String,
        pub opened_ms: i64,
        pub closed_ms: Option<i64>,
        pub state: String,
        pub view: String,
        pub updated_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod order {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub client_order_id: String,
        pub position_id: i64,
        pub strategy: String,
        pub venue: String,
        pub symbol: String,
        pub status: String,
        pub created_ms: i64,
        pub updated_ms: i64,
        pub view: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod strategy_params {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "strategy_params")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i64,
        pub params: String,
        pub created_ms: i64,
        pub author: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod notification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notifications")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub level: String,
        pub time_ms: i64,
        pub title: String,
        pub message: String,
        pub kind: Option<String>,
        pub symbol: Option<String>,
        pub position_id: Option<i64>,
        pub dedup_key: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod symbol_rules {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "symbol_rules")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i64,
        pub rules: String,
        pub created_ms: i64,
        pub author: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod equity_snapshot {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "equity_snapshots")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub venue: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day_ms: i64,
        pub equity: String,
        pub wallet: String,
        pub unrealised: String,
        pub taken_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod backtest {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "backtests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub author: String,
        pub created_ms: i64,
        pub finished_ms: Option<i64>,
        pub status: String,
        pub progress: String,
        pub request: String,
        pub error: Option<String>,
        pub net: Option<String>,
        pub apr_budget: Option<String>,
        pub report: Option<String>,
        pub sweep: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
