"""Check characters of the 统一社会信用代码 (GB 32100-2015) and the resident ID number (GB 11643-1999)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.identifiers import (
    credit_code_check_character,
    credit_code_problem,
    id_number_check_character,
    id_number_problem,
    validate_credit_code,
    validate_id_number,
)
from tests.factories import valid_credit_code, valid_id_number


class TestCreditCode:
    @pytest.mark.parametrize(
        "code",
        [
            "91350100M000100Y43",  # the worked example of GB 32100-2015
            "91110000802100433B",  # a company registered in Beijing
            "12100000400000624D",  # a 事业单位 (机构编制, category 2)
        ],
    )
    def test_real_codes_are_valid(self, code):
        assert credit_code_problem(code) is None
        validate_credit_code(code)

    def test_the_check_character_is_weighted_by_powers_of_three_mod_31(self):
        assert credit_code_check_character("91350100M000100Y4") == "3"
        assert credit_code_check_character("91110000802100433") == "B"

    def test_a_check_character_of_31_is_written_0(self):
        # Σ ≡ 0 (mod 31) gives 31 − 0 = 31, which the standard writes as "0".
        code = next(
            f"5211011500000{n:04d}"
            for n in range(10000)
            if credit_code_check_character(f"5211011500000{n:04d}") == "0"
        )
        assert credit_code_problem(code + "0") is None

    def test_one_wrong_character_is_caught(self):
        assert credit_code_problem("91350100M000100Y44") == "统一社会信用代码校验位不正确，请核对是否抄错。"
        assert "校验位" in credit_code_problem("91350100M000100Y34")  # two characters swapped

    @pytest.mark.parametrize(
        ("code", "says"),
        [
            ("9135010", "应为18位（现为7位）"),
            ("91350100M000100Y4O", "不允许的字符：O"),
            ("91350100I000100Y43", "不允许的字符：I"),
            ("B1350100M000100Y43", "第1位（登记管理部门代码）“B”不存在"),
            ("91AB0100M000100Y43", "第3至8位应为行政区划代码"),
        ],
    )
    def test_malformed_codes_say_what_is_wrong_in_chinese(self, code, says):
        assert says in credit_code_problem(code)
        with pytest.raises(ValidationError):
            validate_credit_code(code)

    def test_the_factory_helper_makes_valid_codes(self):
        for authority, category in (("9", "1"), ("5", "2"), ("1", "2")):
            code = valid_credit_code(7, authority=authority, category=category)
            assert code[:2] == authority + category and credit_code_problem(code) is None


class TestIdNumber:
    def test_the_standards_example_is_valid(self):
        assert id_number_problem("11010519491231002X") is None  # GB 11643-1999, annex A

    def test_the_check_digit_is_iso_7064_mod_11_2(self):
        assert id_number_check_character("11010519491231002") == "X"
        assert id_number_check_character("11011519900101123") == "5"

    def test_a_wrong_check_digit_is_refused(self):
        assert id_number_problem("110115199001011234") == "身份证号校验位不正确，请核对是否抄错。"

    @pytest.mark.parametrize(
        "number",
        [
            "110115199002301235",  # 30 February
            "110115189912311235",  # before 1900
            "110115209901011235",  # not born yet
        ],
    )
    def test_the_birth_date_must_be_a_plausible_date(self, number):
        first17 = number[:17]
        number = first17 + id_number_check_character(first17)  # right check digit, wrong date
        assert (
            id_number_problem(number, today=datetime.date(2026, 12, 1))
            == "身份证号第7至14位（出生日期）不是有效日期。"
        )

    @pytest.mark.parametrize(
        "number", ["12345", "1101151990010112345", "11011519900101123Y", "1101151990010112X5"]
    )
    def test_malformed_numbers_are_refused(self, number):
        assert "应为18位" in id_number_problem(number)

    def test_the_validator_takes_a_lower_case_x(self):
        validate_id_number("11010519491231002x")
        with pytest.raises(ValidationError, match="校验位"):
            validate_id_number("110115199001011234")

    def test_the_factory_helper_makes_valid_numbers(self):
        assert {id_number_problem(valid_id_number(n)) for n in (0, 1, 999, 1000, 54321)} == {None}
        assert valid_id_number(1) != valid_id_number(1001)
