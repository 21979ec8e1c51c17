//! Stored reconciliation reports, newest first.

use app::reconcile::ReconcileReport;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect, Set};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reconciliations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub time_ms: i64,
        pub trigger: String,
        pub clean: bool,
        pub report: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub async fn insert(db: &impl ConnectionTrait, report: &ReconcileReport) -> Result<(), DbErr> {
    let json = serde_json::to_string(report).map_err(|e| DbErr::Custom(e.to_string()))?;
    let model = entity::ActiveModel {
        time_ms: Set(report.time_ms),
        trigger: Set(report.trigger.clone()),
        clean: Set(report.clean()),
        report: Set(json),
        ..Default::default()
    };
    entity::Entity::insert(model).exec(db).await?;
    Ok(())
}

pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<ReconcileReport>, DbErr> {
    let rows = entity::Entity::find().order_by_desc(entity::Column::Id).limit(limit).all(db).await?;
    Ok(rows.into_iter().filter_map(|r| serde_json::from_str(&r.report).ok()).collect())
}
