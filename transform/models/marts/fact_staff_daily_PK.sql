{#- fact_staff_daily for the report tenant(s) (var report_tenants), with the old script's
    columns, rebuilt from fact_staff_daily on every run (so it follows its refresh rules). -#}
{{ config(
    materialized='table',
    partition_by=({'field': 'Ngay', 'data_type': 'date', 'granularity': 'day'}
                  if target.type == 'bigquery' else none),
    cluster_by=(['Tenant', 'MaNV_id'] if target.type == 'bigquery' else none)
) }}

select
    Ngay, Tenant, Team, MaNV_id, MaNV, TongCuoc, SoSDT_Unique, SoCuoc_NoiMay, SoCuoc_KhongNoiMay,
    TongThoiluongGoi_Giay, TongRungChuong_Giay, SoDataNhan, SoSDT_KetBanZalo, SoSDT_CoNhuCau,
    SoSDT_TuChoi, SoSDT_KhongNgheMay, max_create_ms, max_assigned_ms, _ingested_at,
    max_create_local, max_assigned_local
from {{ ref('fact_staff_daily') }}
where Tenant in (
    {%- for tenant in callio.report_tenant_list() %}'{{ tenant }}'{% if not loop.last %}, {% endif %}{% endfor -%}
)
