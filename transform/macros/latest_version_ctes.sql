{#- The CTEs that keep one row per (tenant, _id) in an incremental mart, shared by call_log and
    customer. `ranked_versions` holds every candidate version with `version_rank` = 1 for the one
    to keep, as ordered by `newest_first` (an ORDER BY list).

    Full refresh: every landed version is a candidate. Incremental: the versions loaded since the
    newest one already merged (`_sdc_batched_at`) are ranked together with the current rows of the
    same keys, so a re-read never duplicates a row, an older version arriving late never replaces
    a newer one, and the result equals a full refresh over every landed version.

    Use:  with {{ callio.latest_version_ctes(ref('stg_x'), columns, 'updateTime desc') }}
          select ... from ranked_versions where version_rank = 1 -#}
{% macro latest_version_ctes(staging_relation, columns, newest_first) -%}
new_versions as (
    select {{ columns | join(', ') }}
    from {{ staging_relation }}
    {% if is_incremental() %}
    where _sdc_batched_at >= (select coalesce(max(_sdc_batched_at), cast('1970-01-01' as timestamp)) from {{ this }})
    {% endif %}
),

candidates as (
    select * from new_versions
    {% if is_incremental() %}
    union all
    select {% for c in columns %}current_rows.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ this }} as current_rows
    inner join (select distinct tenant, _id from new_versions) as touched
        on current_rows.tenant = touched.tenant and current_rows._id = touched._id
    {% endif %}
),

ranked_versions as (
    select
        *,
        row_number() over (partition by tenant, _id order by {{ newest_first }}) as version_rank
    from candidates
)
{%- endmacro %}
