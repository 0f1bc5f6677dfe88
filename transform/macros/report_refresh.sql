{#- Which local days an incremental run of a report table (fact_staff_daily, fact_agent_kpi_daily,
    fact_calls_hourly) rebuilds: the window (today and var report_lookback_days days before it,
    every tenant) and every older (tenant, day) that received loaded rows since the table was
    last built (warehouse spec, "Refresh"): a catch-up, a back-fill, late calls, a tenant back
    after an outage. Other older days stay as they are.

    "Since the last build" is counted in loads, never in clock time: every row a report table
    writes carries `_load_watermark`, the newest load (the load guard's sequence in `_load_id`)
    that call_log and customer held when it was computed, and a call or customer whose
    `_load_id` is later than the table's greatest watermark arrived after its last build.

    The pre-hook (delete_days_to_rebuild) removes the window and the older changed days; the
    model then builds the window and every older changed day that is missing from the table
    (older_days_to_build). Both run the same query, `changed_days`, over the table: the pre-hook
    before anything is deleted, the model after. The rows the delete took held the greatest
    watermark, so the model's query sees the same days or more, and it skips every day the
    table still holds; the days it builds are the days deleted, plus days that had no rows and
    get none again. A run killed between the two leaves the days missing; the next run's
    pre-hook finds them again (its watermark is the lower one of the rows left). -#}

{#- The table's greatest watermark: up to which load its last build looked (0: never built). -#}
{% macro table_load_watermark() -%}
    (select coalesce(max(_load_watermark), 0) from {{ this }})
{%- endmacro %}

{#- The newest load in call_log and customer, stored in each row the build writes. The greatest
    load id is taken as text (12 zero-padded digits first), among the ids that have a sequence. -#}
{% macro newest_merged_load() -%}
    {%- set newest -%}
        max(case when substr(_load_id, 13, 1) = '-' then _load_id end)
    {%- endset -%}
    greatest(
        (select {{ callio.load_sequence(newest) }} from {{ ref('call_log') }}),
        (select {{ callio.load_sequence(newest) }} from {{ ref('customer') }})
    )
{%- endmacro %}

{#- A mart row whose load came after `watermark`. BigQuery takes the watermark's load too: a
    load may still have been landing while dbt read it there (as in cross_db/new_versions_ctes);
    a DuckDB file has one writer, so every load it holds had landed when the last build ran. -#}
{% macro loaded_after(load_id, watermark) -%}
    {{ return(adapter.dispatch('loaded_after', 'callio')(load_id, watermark)) }}
{%- endmacro %}

{% macro default__loaded_after(load_id, watermark) -%}
    {{ callio.load_sequence(load_id) }} > {{ watermark }}
{%- endmacro %}

{% macro bigquery__loaded_after(load_id, watermark) -%}
    {{ callio.load_sequence(load_id) }} >= {{ watermark }}
{%- endmacro %}

{#- (tenant, Ngay) of the calls loaded after the table's watermark, and the `days_before` local
    days before each (the days whose missed calls such a call may call back). -#}
{% macro days_with_new_calls(days_before=0) -%}
    select distinct
        new_calls.tenant,
        {{ callio.date_minus_days('new_calls.NgayTao', 'shift.days') }} as Ngay
    from (
        select distinct call_log.tenant, call_log.NgayTao
        from {{ ref('call_log') }} as call_log
        where call_log.NgayTao is not null
          and {{ callio.loaded_after('call_log._load_id', callio.table_load_watermark()) }}
    ) as new_calls
    cross join (
        {%- for days in range(days_before + 1) %}
        select {{ days }} as days{% if not loop.last %} union all{% endif %}
        {%- endfor %}
    ) as shift
{%- endmacro %}

{#- (tenant, Ngay) of the older days whose assigned customers (SoDataNhan, max_assigned_ms of
    fact_staff_daily) changed: among the (day, staff) of the customers loaded after the table's
    watermark, those whose count or newest assignment differs from the table's row. A re-read
    or a status change of a customer assigned long ago leaves its day alone (older days keep
    the statuses they were built with); a first load after an outage or a back-fill does not. -#}
{% macro days_with_new_assignments() -%}
    {%- set window_start = callio.date_literal(callio.report_window_start()) -%}
    select distinct assigned.tenant, assigned.Ngay
    from (
        select
            customer.tenant,
            customer.NgayAssign as Ngay,
            customer.user_id as staff_id,
            count(distinct customer._id) as customers,
            max(customer.assignedTime) as newest_assigned_ms
        from {{ ref('customer') }} as customer
        inner join (
            select distinct changed.tenant, changed.NgayAssign, changed.user_id
            from {{ ref('customer') }} as changed
            where changed.user_id is not null
              and changed.NgayAssign < {{ window_start }}
              and {{ callio.loaded_after('changed._load_id', callio.table_load_watermark()) }}
        ) as changed
            on customer.tenant = changed.tenant
            and customer.NgayAssign = changed.NgayAssign
            and customer.user_id = changed.user_id
        group by customer.tenant, customer.NgayAssign, customer.user_id
    ) as assigned
    left join {{ this }} as built
        on assigned.tenant = built.Tenant
        and assigned.Ngay = built.Ngay
        and assigned.staff_id = built.MaNV_id
    where built.MaNV_id is null
       or built.SoDataNhan <> assigned.customers
       or built.max_assigned_ms <> assigned.newest_assigned_ms
{%- endmacro %}

{#- (tenant, Ngay) of the older days where `source` (fact_staff_daily) and this table disagree on
    the rows (Ngay, Tenant, MaNV_id, Team, MaNV): this table has one row for each of source's. -#}
{% macro days_unlike(source) -%}
    {%- set window_start = callio.date_literal(callio.report_window_start()) -%}
    select distinct tenant, Ngay
    from (
        {{ callio.row_differences(
            '(select Ngay, Tenant, MaNV_id, Team, MaNV from ' ~ source ~ ' where Ngay < ' ~ window_start ~ ')',
            '(select Ngay, Tenant, MaNV_id, Team, MaNV from ' ~ this ~ ' where Ngay < ' ~ window_start ~ ')',
            ['Ngay', 'Tenant', 'MaNV_id'], ['Team', 'MaNV']) }}
    ) as differences
{%- endmacro %}

{#- The changed days of each report table: the union of the parts above. -#}
{% macro union_of(queries) -%}
    {%- for query in queries %}
    select tenant, Ngay from ({{ query }}) as part_{{ loop.index }}
    {%- if not loop.last %} union distinct{% endif %}
    {%- endfor %}
{%- endmacro %}

{% macro staff_daily_changed_days() -%}
    {{ callio.union_of([callio.days_with_new_calls(), callio.days_with_new_assignments()]) }}
{%- endmacro %}

{% macro agent_kpi_changed_days() -%}
    {{ callio.union_of([callio.days_with_new_calls(callio.callback_window_days()),
                        callio.days_unlike(ref('fact_staff_daily'))]) }}
{%- endmacro %}

{% macro calls_hourly_changed_days() -%}
    {{ callio.union_of([callio.days_with_new_calls(callio.callback_window_days())]) }}
{%- endmacro %}

{#- Pre-hook of a report table: on an incremental run, delete the window and the older changed
    days. -#}
{% macro delete_days_to_rebuild(changed_days) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as stale
    where stale.Ngay >= {{ callio.date_literal(callio.report_window_start()) }}
       or exists (
           select 1
           from ({{ changed_days }}) as changed
           where changed.tenant = stale.Tenant and changed.Ngay = stale.Ngay
       )
    {%- endif -%}
{%- endmacro %}

{#- CTE `older_days_to_build` (tenant, Ngay): the older changed days the table does not hold
    (after the pre-hook: the ones it deleted). Empty on a full refresh, which builds every day. -#}
{% macro older_days_to_build_cte(changed_days) -%}
older_days_to_build as (
    {%- if is_incremental() %}
    select changed.tenant, changed.Ngay
    from ({{ changed_days }}) as changed
    where changed.Ngay < {{ callio.date_literal(callio.report_window_start()) }}
      and not exists (
          select 1
          from {{ this }} as built
          where built.Tenant = changed.tenant and built.Ngay = changed.Ngay
      )
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as tenant, cast(null as date) as Ngay
    from (select 1 as none_on_a_full_refresh) as nothing
    where 1 = 0
    {%- endif %}
)
{%- endmacro %}

{#- Whether a row of local day `day` of tenant `tenant` is built by this run: every day on a
    full refresh; the window and older_days_to_build on an incremental run. Qualify both
    arguments (they are compared inside a subquery with columns of the same names). -#}
{% macro in_days_to_build(tenant, day) -%}
    {%- if is_incremental() -%}
    ({{ day }} >= {{ callio.date_literal(callio.report_window_start()) }}
     or exists (
         select 1
         from older_days_to_build
         where older_days_to_build.tenant = {{ tenant }} and older_days_to_build.Ngay = {{ day }}
     ))
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}
