"""Validators of what people type: plates, VINs, mobiles, names (property-based where it pays)."""
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.demo import DemoData
from customers.normalize import (
    PROVINCES,
    halfwidth,
    is_valid_plate,
    mask_mobile,
    name_grams,
    name_initials,
    name_pinyin,
    normalize_mobile,
    normalize_plate,
    normalize_vin,
    query_grams,
)
from customers.vin import is_valid_vin, with_check_digit

VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


@given(st.text(alphabet=VIN_CHARS, min_size=17, max_size=17))
def test_any_vin_with_its_check_digit_is_valid(body):
    assert is_valid_vin(with_check_digit(body))


@given(
    st.text(alphabet=VIN_CHARS, min_size=17, max_size=17),
    st.sampled_from([i for i in range(17) if i != 8]),
    st.sampled_from(VIN_CHARS),
)
def test_changing_a_characters_value_breaks_the_check_digit(body, position, replacement):
    from customers.vin import _VALUES

    vin = with_check_digit(body)
    # 11 is prime and every weight (2..10) is below it, so any change of value shows.
    if _VALUES[replacement] != _VALUES[vin[position]]:
        assert not is_valid_vin(vin[:position] + replacement + vin[position + 1 :])


@given(st.text(min_size=0, max_size=30))
def test_normalize_vin_accepts_only_valid_vins(text):
    try:
        vin = normalize_vin(text)
    except ValueError:
        return
    assert is_valid_vin(vin) and len(vin) == 17


def test_vin_is_cleaned_of_spaces_full_width_and_case():
    assert normalize_vin(" 1m8gdm9axkp042788 ") == "1M8GDM9AXKP042788"
    assert normalize_vin("１Ｍ８ＧＤＭ９ＡＸＫＰ０４２７８８") == "1M8GDM9AXKP042788"


@pytest.mark.parametrize(
    "raw,plate",
    [
        ("京A12345", "京A12345"),
        ("京a·12345", "京A12345"),
        ("京A.12345", "京A12345"),
        ("京 A-1234 5", "京A12345"),
        ("粤BD12345", "粤BD12345"),  # new energy, small car
        ("沪A12345F", "沪A12345F"),  # new energy, large vehicle
        ("苏E1234学", "苏E1234学"),
        ("京Ａ１２３４５", "京A12345"),
    ],
)
def test_plates_are_normalised(raw, plate):
    assert normalize_plate(raw) == plate


@pytest.mark.parametrize(
    "raw", ["A12345", "京I12345", "京A1234", "京A123456", "京AB12345", "京A12O45", "美A12345", ""]
)
def test_bad_plates_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_plate(raw)


@given(st.integers(min_value=0, max_value=10_000))
def test_demo_plates_are_valid(seed):
    demo = DemoData(seed=seed)
    assert is_valid_plate(demo.plate())
    assert is_valid_plate(demo.plate(new_energy=True))


@given(st.sampled_from(PROVINCES), st.text(alphabet=string.digits, min_size=5, max_size=5))
def test_any_province_with_letter_and_digits_is_a_plate(province, digits):
    assert normalize_plate(f"{province}a{digits}") == f"{province}A{digits}"


@pytest.mark.parametrize(
    "raw,mobile",
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+85291234567", "+85291234567"),
    ],
)
def test_mobiles_are_normalised(raw, mobile):
    assert normalize_mobile(raw) == mobile


@pytest.mark.parametrize("raw", ["12345678901", "1381234567", "010-64701234", "abc", ""])
def test_bad_or_landline_numbers_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_mobile(raw)


@given(st.text(alphabet=string.digits, min_size=0, max_size=15))
def test_normalize_mobile_never_crashes_on_digits(digits):
    try:
        normalize_mobile(digits)
    except ValueError:
        pass


def test_mobile_mask_keeps_prefix_and_last_four():
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("") == ""


def test_name_keys():
    assert name_pinyin("张三") == "zhangsan"
    assert name_initials("张三丰") == "zsf"
    assert set(name_grams("张三丰")) == {"张", "三", "丰", "张三", "三丰"}
    assert query_grams("三丰") == ["三丰"]
    assert query_grams("张三丰") == ["三丰", "张三"]


def test_halfwidth_maps_full_width_ascii_and_space():
    assert halfwidth("ＡＢＣ１２３　ｘ") == "ABC123 x"
