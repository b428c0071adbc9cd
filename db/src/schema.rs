// @generated automatically by Diesel CLI.

diesel::table! {
    github_repositories (id) {
        id -> Int8,
        #[max_length = 100]
        owner -> Varchar,
        #[max_length = 100]
        name -> Varchar,
        enabled -> Bool,
        interval_seconds -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    github_repository_collections (repository_id, collection) {
        repository_id -> Int8,
        #[max_length = 32]
        collection -> Varchar,
        next_run_at -> Timestamptz,
        #[max_length = 255]
        claimed_by -> Nullable<Varchar>,
        lease_expires_at -> Nullable<Timestamptz>,
        attempts -> Int4,
        last_collected_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    github_repository_health (repository_id, metric, collected_at) {
        repository_id -> Int8,
        #[max_length = 64]
        metric -> Varchar,
        collected_at -> Timestamptz,
        value -> Float8,
        #[max_length = 16]
        source -> Varchar,
        complete -> Bool,
    }
}

diesel::table! {
    github_webhook_deliveries (id) {
        id -> Int8,
        #[max_length = 64]
        delivery_id -> Varchar,
        #[max_length = 64]
        event -> Varchar,
        #[max_length = 64]
        action -> Nullable<Varchar>,
        hook_id -> Nullable<Int8>,
        #[max_length = 255]
        repository -> Nullable<Varchar>,
        payload -> Jsonb,
        received_at -> Timestamptz,
        processed_at -> Nullable<Timestamptz>,
        error_message -> Nullable<Text>,
    }
}

diesel::table! {
    github_workflow_backfills (id) {
        id -> Int8,
        config_id -> Int8,
        #[max_length = 50]
        state -> Varchar,
        start_time -> Nullable<Timestamptz>,
        end_time -> Nullable<Timestamptz>,
        workload_uids -> Nullable<Jsonb>,
        rate_limit_per_minute -> Nullable<Int4>,
        total_workloads -> Int4,
        enqueued_count -> Int4,
        cursor_completed_at -> Nullable<Timestamptz>,
        #[max_length = 255]
        cursor_workload_uid -> Nullable<Varchar>,
        #[max_length = 255]
        claimed_by -> Nullable<Varchar>,
        lease_expires_at -> Nullable<Timestamptz>,
        error_message -> Nullable<Text>,
        #[max_length = 255]
        requested_by -> Nullable<Varchar>,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        next_batch_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    github_workflow_change_notifications (id) {
        id -> Int8,
        change_id -> Int8,
        #[max_length = 255]
        target -> Varchar,
        #[max_length = 16]
        state -> Varchar,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    github_workflow_configs (id) {
        id -> Int8,
        #[max_length = 255]
        name -> Varchar,
        description -> Text,
        #[max_length = 255]
        runner_set_namespace -> Nullable<Varchar>,
        #[max_length = 255]
        runner_set_name -> Nullable<Varchar>,
        #[max_length = 255]
        runner_set_uid -> Nullable<Varchar>,
        #[max_length = 255]
        github_owner -> Nullable<Varchar>,
        #[max_length = 255]
        github_repo -> Nullable<Varchar>,
        #[max_length = 255]
        workflow_filter -> Nullable<Varchar>,
        #[max_length = 255]
        branch_filter -> Nullable<Varchar>,
        file_patterns -> Jsonb,
        #[max_length = 50]
        reader -> Varchar,
        reader_options -> Jsonb,
        keep_raw_data -> Bool,
        metric_schema_id -> Nullable<Int8>,
        enabled -> Bool,
        #[max_length = 255]
        last_processed_workload_uid -> Nullable<Varchar>,
        last_checked_at -> Nullable<Timestamptz>,
        #[max_length = 255]
        cluster_name -> Varchar,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        file_types -> Jsonb,
        custom_prompt -> Nullable<Text>,
        recipes_requested_at -> Nullable<Timestamptz>,
        export_series -> Bool,
    }
}

diesel::table! {
    github_workflow_jobs (id) {
        id -> Int8,
        github_job_id -> Int8,
        github_run_id -> Int8,
        run_attempt -> Int4,
        #[max_length = 255]
        repository -> Varchar,
        #[max_length = 255]
        workflow_name -> Nullable<Varchar>,
        #[max_length = 255]
        job_name -> Varchar,
        #[max_length = 255]
        head_branch -> Nullable<Varchar>,
        #[max_length = 64]
        head_sha -> Nullable<Varchar>,
        #[max_length = 50]
        status -> Varchar,
        #[max_length = 50]
        conclusion -> Nullable<Varchar>,
        runner_id -> Nullable<Int8>,
        #[max_length = 255]
        runner_name -> Nullable<Varchar>,
        #[max_length = 255]
        runner_group_name -> Nullable<Varchar>,
        labels -> Jsonb,
        #[max_length = 1024]
        html_url -> Nullable<Varchar>,
        job_created_at -> Nullable<Timestamptz>,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        steps -> Jsonb,
    }
}

diesel::table! {
    github_workflow_metric_changes (id) {
        id -> Int8,
        config_id -> Int8,
        series_key -> Int8,
        dimensions -> Jsonb,
        metric -> Text,
        #[max_length = 255]
        branch -> Varchar,
        at -> Timestamptz,
        before_run_id -> Int8,
        after_run_id -> Int8,
        #[max_length = 64]
        before_commit -> Nullable<Varchar>,
        #[max_length = 64]
        after_commit -> Nullable<Varchar>,
        before_value -> Float8,
        after_value -> Float8,
        change_percent -> Nullable<Float8>,
        magnitude_sigma -> Nullable<Float8>,
        p_value -> Float8,
        #[max_length = 16]
        direction -> Varchar,
        #[max_length = 16]
        status -> Varchar,
        note -> Nullable<Text>,
        #[max_length = 255]
        triaged_by -> Nullable<Varchar>,
        triaged_at -> Nullable<Timestamptz>,
        detected_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    github_workflow_metric_schemas (id) {
        id -> Int8,
        config_id -> Int8,
        #[max_length = 255]
        name -> Varchar,
        version -> Int4,
        fields -> Jsonb,
        dimension_fields -> Jsonb,
        metric_fields -> Jsonb,
        #[max_length = 255]
        timestamp_field -> Nullable<Varchar>,
        is_active -> Bool,
        #[max_length = 50]
        generated_by -> Varchar,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        explanation -> Nullable<Text>,
        recipes -> Jsonb,
    }
}

diesel::table! {
    github_workflow_metrics (id) {
        id -> Int8,
        config_id -> Int8,
        run_id -> Int8,
        schema_id -> Nullable<Int8>,
        timestamp -> Timestamptz,
        #[max_length = 1024]
        source_file -> Varchar,
        dimensions -> Jsonb,
        metrics -> Jsonb,
        raw_data -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        series_key -> Nullable<Int8>,
    }
}

diesel::table! {
    github_workflow_runs (id) {
        id -> Int8,
        config_id -> Int8,
        #[max_length = 255]
        workload_uid -> Varchar,
        #[max_length = 255]
        workload_name -> Varchar,
        #[max_length = 255]
        workload_namespace -> Varchar,
        github_run_id -> Nullable<Int8>,
        github_run_number -> Nullable<Int4>,
        github_job_id -> Nullable<Int8>,
        #[max_length = 64]
        head_sha -> Nullable<Varchar>,
        #[max_length = 255]
        head_branch -> Nullable<Varchar>,
        #[max_length = 50]
        status -> Varchar,
        #[max_length = 50]
        trigger_source -> Varchar,
        files_found -> Int4,
        files_processed -> Int4,
        metrics_count -> Int4,
        workload_started_at -> Nullable<Timestamptz>,
        workload_completed_at -> Nullable<Timestamptz>,
        collection_started_at -> Nullable<Timestamptz>,
        collection_completed_at -> Nullable<Timestamptz>,
        error_message -> Nullable<Text>,
        retry_count -> Int4,
        max_retries -> Int4,
        priority -> Int2,
        next_attempt_at -> Timestamptz,
        #[max_length = 255]
        claimed_by -> Nullable<Varchar>,
        lease_expires_at -> Nullable<Timestamptz>,
        backfill_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        extraction -> Nullable<Jsonb>,
        extraction_confidence -> Nullable<Float4>,
    }
}

diesel::table! {
    gpu_workloads (id) {
        id -> Int8,
        #[max_length = 64]
        kind -> Varchar,
        #[max_length = 255]
        uid -> Varchar,
        #[max_length = 255]
        name -> Varchar,
        #[max_length = 255]
        namespace -> Varchar,
        #[max_length = 255]
        cluster_name -> Varchar,
        #[max_length = 64]
        parent_kind -> Nullable<Varchar>,
        #[max_length = 255]
        parent_name -> Nullable<Varchar>,
        #[max_length = 255]
        parent_uid -> Nullable<Varchar>,
        #[max_length = 255]
        runner_set_name -> Nullable<Varchar>,
        labels -> Jsonb,
        annotations -> Jsonb,
        spec -> Nullable<Jsonb>,
        #[max_length = 50]
        status -> Varchar,
        #[max_length = 64]
        phase -> Nullable<Varchar>,
        #[max_length = 255]
        github_repository -> Nullable<Varchar>,
        #[max_length = 1024]
        github_workflow_ref -> Nullable<Varchar>,
        #[max_length = 255]
        github_workflow_name -> Nullable<Varchar>,
        #[max_length = 255]
        github_head_branch -> Nullable<Varchar>,
        #[max_length = 64]
        github_head_sha -> Nullable<Varchar>,
        github_run_id -> Nullable<Int8>,
        github_run_number -> Nullable<Int4>,
        github_job_id -> Nullable<Int8>,
        #[max_length = 64]
        github_job_guid -> Nullable<Varchar>,
        #[max_length = 255]
        github_job_name -> Nullable<Varchar>,
        github_runner_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        completed_at_approximate -> Bool,
        first_seen_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(github_repository_collections -> github_repositories (repository_id));
diesel::joinable!(github_repository_health -> github_repositories (repository_id));
diesel::joinable!(github_workflow_backfills -> github_workflow_configs (config_id));
diesel::joinable!(github_workflow_change_notifications -> github_workflow_metric_changes (change_id));
diesel::joinable!(github_workflow_metric_changes -> github_workflow_configs (config_id));
diesel::joinable!(github_workflow_metrics -> github_workflow_configs (config_id));
diesel::joinable!(github_workflow_metrics -> github_workflow_metric_schemas (schema_id));
diesel::joinable!(github_workflow_metrics -> github_workflow_runs (run_id));
diesel::joinable!(github_workflow_runs -> github_workflow_backfills (backfill_id));
diesel::joinable!(github_workflow_runs -> github_workflow_configs (config_id));

diesel::allow_tables_to_appear_in_same_query!(
    github_repositories,
    github_repository_collections,
    github_repository_health,
    github_webhook_deliveries,
    github_workflow_backfills,
    github_workflow_change_notifications,
    github_workflow_configs,
    github_workflow_jobs,
    github_workflow_metric_changes,
    github_workflow_metric_schemas,
    github_workflow_metrics,
    github_workflow_runs,
    gpu_workloads,
);
