#!/usr/bin/env python3
"""tests/fuzz/seeds.py — write the seed corpora in tests/fuzz/corpus/<target>/.

    /usr/bin/python3 tests/fuzz/seeds.py      # from the project root

The seeds are small, meaningful inputs, one per file, named after what
they are: dates in every format dates.h lists (and near misses), breaks
JSON valid and nearly valid, the option strings of docs/segments.md (and
their error cases, injections included), argument mixes for the SQL
functions.  This file is their source: edit it and run it again rather
than editing the corpus by hand (it rewrites each corpus directory).
libFuzzer's grown corpus lives in build/fuzz/corpus and is never copied
back here.
"""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    names = set()
    for name, data in seeds:
        assert name not in names, name
        names.add(name)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


# ---- dates: text as given; also read as a number and as raw bits -----------

DATES = [
    ("iso_date", "2024-03-01"),
    ("iso_minute", "2024-03-01 10:15"),
    ("iso_second", "2024-03-01 10:15:30"),
    ("iso_t_fraction", "2024-03-01T10:15:30.25"),
    ("iso_zone_minus", "2024-03-01T23:30:00-01:00"),
    ("iso_zone_plus_spaces", "2024-03-01 10:15 +05:30 "),
    ("iso_zone_z", "2024-03-01 10:15:30Z"),
    ("iso_zone_lower_z", "2024-03-01 10:15:30z"),
    ("iso_zone_max", "2024-03-01 10:15:30.5 -14:00"),
    ("iso_zone_too_far", "2024-03-01 10:15 +14:01"),
    ("iso_many_t_and_space", "2024-03-01TT \t\n10:15"),
    ("iso_trailing_t", "2024-03-01T"),
    ("iso_trailing_space", "2024-03-01 "),
    ("iso_date_zone_refused", "2024-03-01Z"),
    ("time_only", "10:15"),
    ("time_long_fraction", "12:00:00.000000000000000000001"),
    ("time_nines", "23:59:59." + "9" * 330),
    ("hour_24", "24:00"),
    ("next_midnight", "2024-01-01 24:00"),
    ("rounds_to_next_day", "2024-01-01 23:59:59.9996"),
    ("leap_day", "2024-02-29"),
    ("not_leap", "2023-02-29"),
    ("feb_31", "2023-02-31"),
    ("feb_31_24h", "2024-02-31 24:00"),
    ("negative_year", "-0099-02-28"),
    ("julian_day_zero_noon", "-4713-11-24 12:00"),
    ("julian_day_zero_midnight", "-4713-11-24"),
    ("year_zero", "0000-01-01"),
    ("last_ms", "9999-12-31 23:59:59.999"),
    ("past_last_ms", "9999-12-31 23:59:59.9995"),
    ("julian_number", "2460370.5"),
    ("julian_exponent", "+2.46e6"),
    ("julian_half", ".5"),
    ("julian_dot", "5."),
    ("julian_zero", "0"),
    ("julian_minus_zero", "-0"),
    ("julian_spaces", " 2460370.5 "),
    ("julian_last", "5373484.49999999"),
    ("julian_many_digits", "2460370.12345678901234567890123"),
    ("unix_seconds", "1709251200"),
    ("unix_negative", "-86400.5"),
    ("exponent_big", "1e400"),
    ("month_13", "2024-13-01"),
    ("month_00", "2024-00-10"),
    ("day_00", "2024-03-00"),
    ("second_60", "2024-03-01 10:15:60"),
    ("short_month", "2024-3-1"),
    ("junk_after", "2024-03-01X"),
    ("leading_space", " 2024-01-01"),
    ("now", "now"),
    ("nul_inside", "2024-03-01\x00junk"),
    ("empty", ""),
]

# ---- breaks: {"r":[..],"f":[..],"m":[..]} ------------------------------------

BREAKS = [
    ("docs_example", '{"r":[30,60,90,180],"f":[1,2,3,5],"m":[50,100,250,500]}'),
    ("keys_reordered", '{"m":[0.1],"f":[2],"r":[3]}'),
    ("whitespace", ' {\n\t"r" : [ 1 , 2 ] ,\r "f":[3], "m" :[4]\n} '),
    ("one_each", '{"r":[1],"f":[1],"m":[1]}'),
    ("eight_each", '{"r":[1,2,3,4,5,6,7,8],"f":[1,1,1,1,1,1,1,1],"m":[-8,-7,-6,-5,-4,-3,-2,-1]}'),
    ("nine_refused", '{"r":[1,2,3,4,5,6,7,8,9],"f":[1],"m":[1]}'),
    ("empty_array", '{"r":[],"f":[1],"m":[1]}'),
    ("descending", '{"r":[1],"f":[3,2],"m":[1]}'),
    ("ties", '{"r":[10,20,20,20],"f":[1,1,1,1],"m":[5,5,5,5]}'),
    ("decimals_exponents", '{"r":[0.5,1e-5,1E+3],"f":[-0,0],"m":[4.9e-324,1.7976931348623157e308]}'),
    ("shortest_forms", '{"r":[0.1,0.2,0.30000000000000004],"f":[41.5],"m":[1e15,1e16]}'),
    ("overflow_inf", '{"r":[1e999],"f":[1],"m":[1]}'),
    ("underflow", '{"r":[1e-999],"f":[1],"m":[1]}'),
    ("long_number", '{"r":[0.' + "1" * 70 + '],"f":[1],"m":[1]}'),
    ("duplicate_key", '{"r":[1],"r":[2],"f":[1],"m":[1]}'),
    ("unknown_key", '{"x":[1],"f":[1],"m":[1]}'),
    ("missing_key", '{"r":[1],"f":[1]}'),
    ("empty_object", "{}"),
    ("array_not_object", "[1,2,3,4]"),
    ("escaped_key", '{"\\u0072":[1],"f":[1],"m":[1]}'),
    ("trailing_comma", '{"r":[1,],"f":[1],"m":[1]}'),
    ("trailing_junk", '{"r":[1],"f":[1],"m":[1]} x'),
    ("string_value", '{"r":["a"],"f":[1],"m":[1]}'),
    ("leading_zero", '{"r":[01],"f":[1],"m":[1]}'),
    ("bare_fraction", '{"r":[.5],"f":[1],"m":[1]}'),
    ("bare_dot", '{"r":[1.],"f":[1],"m":[1]}'),
    ("nested", '{"r":[[1]],"f":[1],"m":[1]}'),
    ("unterminated", '{"r":[1,2'),
    ("long_key", '{"' + "k" * 60 + '":[1],"f":[1],"m":[1]}'),
    ("nul_inside", '{"r":[1]\x00,"f":[1],"m":[1]}'),
]

# ---- options: the text inside segments(...) ----------------------------------

SHOP = "orders='orders', customer='customer_id', ordered_at='created_at', amount='total'"
OPTIONS = [
    ("docs_demo",
     "orders = 'orders', customer = 'customer_id', ordered_at = 'created_at',"
     " amount = 'total', filter = 'status <> ''cancelled''',"
     " customers = 'customers', as_of = '2025-01-01'"),
    ("required_only", SHOP),
    ("bare_values", "orders = orders, customer = customer_id, ordered_at = created_at, amount = total"),
    ("double_quoted", 'orders="orders", customer="customer_id", ordered_at="created_at", amount="total"'),
    ("filter_paid", SHOP + ", filter = 'status = ''paid'''"),
    ("filter_functions", SHOP + ", filter = 'date(created_at) > ''2024-01-01'' AND abs(total) < 1000 AND json_valid(''[1]'')'"),
    ("filter_subquery", SHOP + ", filter = 'customer_id IN (SELECT customer_id FROM customers)'"),
    ("filter_segment_of", SHOP + ", filter = 'segment_of(rfm_score(5,4,5)) = ''Champions'''"),
    ("filter_comment", SHOP + ", filter = 'total > 0 -- )'"),
    ("filter_load_extension", SHOP + ", filter = 'load_extension(''x'') IS NULL'"),
    ("filter_canary", SHOP + ", filter = 'fuzz_canary() IS NULL'"),
    ("filter_random", SHOP + ", filter = 'random() > 0'"),
    ("filter_vtab", SHOP + ", filter = 'EXISTS (SELECT 1 FROM json_each(''[1]''))'"),
    ("filter_injection", SHOP + ", filter = '1); DROP TABLE orders; --'"),
    ("filter_semicolon", SHOP + ", filter = '1; DELETE FROM orders'"),
    ("filter_recursive_cte", SHOP + ", filter = '(WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c) > 0'"),
    ("amount_injection", "orders='orders', customer='customer_id', ordered_at='created_at', amount='total\"; DROP TABLE orders; --'"),
    ("customers", SHOP + ", customers = 'customers'"),
    ("customers_id", SHOP + ", customers = 'customers', customers_id = 'id'"),
    ("customers_id_alone", SHOP + ", customers_id = 'id'"),
    ("as_of_today", SHOP + ", as_of = 'today'"),
    ("as_of_zone", SHOP + ", as_of = '2024-06-30T23:00:00-05:00'"),
    ("as_of_yesterday", SHOP + ", as_of = 'yesterday'"),
    ("bins_3_map3", SHOP + ", bins = 3, map = 'map3'"),
    ("bins_9_my_map", SHOP + ", bins = 9, map = 'my_map'"),
    ("bins_4_rfm11", SHOP + ", bins = 4"),
    ("breaks", SHOP + ", breaks = '{\"r\":[30,60,90,180],\"f\":[1,2,3,5],\"m\":[50,100,250,500]}'"),
    ("breaks_and_bins", SHOP + ", bins = 5, breaks = '{\"r\":[1,2,3,4],\"f\":[1,2,3,4],\"m\":[1,2,3,4]}'"),
    ("breaks_map3", SHOP + ", map = 'map3', breaks = '{\"r\":[90,180],\"f\":[1,2],\"m\":[10,100]}'"),
    ("map_rfm5", SHOP + ", map = 'rfm5'"),
    ("map_rf10", SHOP + ", map = 'rf10'"),
    ("map_dup", SHOP + ", map = 'map_dup'"),
    ("map_badcode", SHOP + ", map = 'map_badcode'"),
    ("map_nocode", SHOP + ", map = 'map_nocode'"),
    ("date_format_unix", "orders='orders', customer='customer_id', ordered_at='ts', amount='total', date_format='unix'"),
    ("date_format_julian", "orders='orders', customer='customer_id', ordered_at='jd', amount='total', date_format='julian'"),
    ("date_format_iso_on_unix", "orders='orders', customer='customer_id', ordered_at='ts', amount='total', date_format='iso'"),
    ("messy_error", "orders='messy', customer='customer_id', ordered_at='created_at', amount='total'"),
    ("messy_skip", "orders='messy', customer='customer_id', ordered_at='created_at', amount='total', bad_dates='skip'"),
    ("view", "orders='orders_v', customer='cid', ordered_at='at', amount='amt', filter='status = ''paid'''"),
    ("weird_names", "orders='we\"ird', customer='cu\"st', ordered_at='at;', amount='amt)'"),
    ("money_decimals_0", SHOP + ", money_decimals = 0"),
    ("money_decimals_6", SHOP + ", money_decimals = 6"),
    ("money_decimals_7", SHOP + ", money_decimals = 7"),
    ("mode_manual", SHOP + ", mode = 'manual'"),
    ("unknown_option", "orderz = 'orders'"),
    ("given_twice", SHOP + ", orders = 'orders'"),
    ("missing_amount", "orders='orders', customer='customer_id', ordered_at='created_at'"),
    ("no_table", "orders='orderz', customer='customer_id', ordered_at='created_at', amount='total'"),
    ("no_column", "orders='orders', customer='customer_id', ordered_at='created_at', amount='totl'"),
    ("empty_value", SHOP + ", filter = ''"),
    ("not_key_value", "orders"),
    ("orders_is_shadow", "orders='x_members', customer='customer_id', ordered_at='first_order', amount='monetary'"),
    ("flag_temp", "\x01" + SHOP + ", customers = 'customers'"),
    ("flag_defensive", "\x02" + SHOP + ", mode = 'manual'"),
    ("flag_untrusted", "\x04" + SHOP + ", filter = 'status <> ''cancelled'''"),
    ("flag_all", "\x07" + SHOP + ", map = 'my_map', bad_dates = 'skip'"),
]

# ---- functions: tagged values (see fuzz_functions.c) -------------------------


def N():
    return b"\x00"


def I(n):  # a small integer, -128..127
    return b"\x01" + struct.pack("<b", n)


def I8(n):
    return b"\x02" + struct.pack("<q", n)


def R(x):
    return b"\x03" + struct.pack("<d", x)


def T(s):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) < 256
    return b"\x04" + bytes([len(b)]) + b


def B(b):
    return b"\x05" + bytes([len(b)]) + b


def P(i):  # aPick[i] in fuzz_functions.c (NULL past its end)
    return b"\x06" + bytes([i])


def REST(s):  # text to the end of the input
    return b"\x07" + s.encode()


def vals(*v):
    return b"".join(v)


DOCS_BREAKS = '{"r":[30,60,90,180],"f":[1,2,3,5],"m":[50,100,250,500]}'
FUNCTIONS = [
    ("docs_breaks_7", vals(*[I(n) for n in (7, 3, 1, 6, 2, 5, 4)])),
    ("docs_breaks_ties", vals(*[I(n) for n in (1, 1, 1, 1, 2, 3, 9)])),
    ("bins_3", vals(I(3), I(7), I(3), I(1), I(6), I(2), I(5), I(4))),
    ("bins_per_row", vals(I(5), I(5), I(4), I(5), I(9), I(2))),
    ("reals", vals(R(0.1), R(0.2), R(0.30000000000000004), R(41.5), R(-2.675), R(1e15))),
    ("numeric_texts", vals(T("5"), T(" 3 "), T("4.0"), T("1e2"), T("0x10"), T("abc"))),
    ("nulls", vals(N(), I(1), N(), N(), I(2), N())),
    ("blobs", vals(B(b"\x00\x01"), I(3), B(b""), T(""))),
    ("extremes", vals(I8(-2**63), I8(2**63 - 1), R(1e300), R(-1e300), R(5e-324), R(-0.0))),
    ("infinities", vals(R(float("inf")), R(float("-inf")), I(1))),
    ("score3", vals(I(5), I(4), I(5))),
    ("score3_types", vals(T("3"), R(2.0), I(1))),
    ("score3_bad", vals(I(0), I(10), R(4.5))),
    ("score4_docs", vals(I(3), I(2), R(120.0), T(DOCS_BREAKS))),
    ("score4_cut_points", vals(I(30), I(5), I8(500), T(DOCS_BREAKS))),
    ("score4_bad_breaks", vals(I(3), I(2), R(120.0), T("oops"))),
    ("score4_missing_m", vals(I(3), I(2), R(1), T('{"r":[1],"f":[1]}'))),
    ("score4_inf_breaks", vals(R(1e300), I(2), I(1), T('{"r":[1e999],"f":[1],"m":[1]}'))),
    ("score4_nine_bins", vals(I(3), I(2), I(1), T('{"r":[1,2,3,4,5,6,7,8],"f":[1,2,3,4,5,6,7,8],"m":[1,2,3,4,5,6,7,8]}'))),
    ("segment_of_545", vals(I8(545))),
    ("segment_of_rfm5", vals(I(5), I(4), I(5), T("rfm5"))),
    ("segment_of_rf10", vals(I8(115), T("rf10"))),
    ("segment_of_my_map", vals(I8(555), T("my_map"))),
    ("segment_of_map9", vals(I8(999), T("map9"), I(9), I(9), I(9), T("map9"))),
    ("segment_of_611", vals(I8(611), T("rfm11"))),
    ("segment_of_text_code", vals(T("545"), T("abc"), R(545.0), R(545.5))),
    ("segment_of_nope", vals(I8(545), T("nope"))),
    ("segment_of_bad_maps", vals(I8(545), T("map_dup"), T("map_badcode"), T("map_nosegment"), T("map_nocode"))),
    ("segment_of_map_view", vals(I8(545), T("map_v"), T("map_text"))),
    ("segment_of_not_a_map", vals(I8(545), T("t"), T("segment_map"), T("sqlite_schema"))),
    ("segment_of_null_map", vals(I8(545), N())),
    ("segment_of_big_code", vals(R(2147483648.0), R(1e300), I8(-545))),
    ("segment_map_names", vals(T("rfm11"), I8(545), T("rfm12"), N())),
    ("picks_maps", vals(*[P(i) for i in range(0, 16)])),
    ("picks_breaks", vals(*[P(i) for i in range(16, 26)])),
    ("picks_numbers", vals(*[P(i) for i in range(26, 42)])),
    ("window_many", vals(*[I(n % 9 + 1) for n in range(40)])),
    ("window_equal_values", vals(*[I(3) for _ in range(12)], I(5))),
    ("window_mixed", vals(I(5), R(2.5), T("7"), N(), I(1), R(-0.0), I(0), I(5), I(9))),
    ("rest_text", vals(I(5), I(4), REST(DOCS_BREAKS))),
]


def main():
    write("dates", DATES)
    write("breaks", BREAKS)
    write("options", OPTIONS)
    write("functions", FUNCTIONS)
    total = 0
    for root, _, files in os.walk(os.path.join(HERE, "corpus")):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    print(f"seeds.py: {len(DATES)} dates, {len(BREAKS)} breaks, "
          f"{len(OPTIONS)} options, {len(FUNCTIONS)} functions seeds, {total} bytes")


if __name__ == "__main__":
    main()
