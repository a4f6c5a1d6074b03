"""Realistic demo data for Chinese dealerships: people, mobile numbers, plates and VINs.

Deterministic for a given seed, so `seed_demo` is idempotent and tests are repeatable.
"""
import random
import string

from aftersales.vin import with_check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_CHARS = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕晓东红梅玉兰晨宇子涵浩然欣怡梓萱思远雨婷俊杰嘉怡文博一鸣佳琪"
# Mobile network prefixes in use in mainland China.
MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 170 171 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 "
    "195 196 197 198 199"
).split()
PROVINCES = "京沪津渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵云陕甘青蒙桂宁新藏"
# Plate letters leave out I and O, which read as 1 and 0.
PLATE_LETTERS = "".join(c for c in string.ascii_uppercase if c not in "IO")
# World manufacturer identifiers of carmakers built in China (FAW-VW, SAIC-VW, BMW Brilliance,
# Beijing Benz, GAC Toyota, Dongfeng Nissan, BYD).
WMIS = ("LFV", "LSV", "LBV", "LE4", "LVG", "LGB", "LGX")
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"


class DemoData:
    def __init__(self, seed=2026):
        self.random = random.Random(seed)

    def person_name(self):
        given_length = self.random.choice((1, 2, 2))
        return self.random.choice(SURNAMES) + "".join(
            self.random.choice(GIVEN_CHARS) for _ in range(given_length)
        )

    def mobile(self):
        return self.random.choice(MOBILE_PREFIXES) + "".join(
            self.random.choice(string.digits) for _ in range(8)
        )

    def plate(self, *, new_energy=False):
        province = self.random.choice(PROVINCES)
        city = self.random.choice(PLATE_LETTERS[:12])
        if new_energy:
            # New-energy plates: D (pure electric) or F (hybrid) then five more characters.
            tail = self.random.choice("DF") + "".join(
                self.random.choice(string.digits) for _ in range(5)
            )
        else:
            # Mostly digits, at most two letters, as issued plates are.
            tail = [self.random.choice(string.digits) for _ in range(5)]
            for position in self.random.sample(range(5), self.random.choice((0, 1, 1, 2))):
                tail[position] = self.random.choice(PLATE_LETTERS)
            tail = "".join(tail)
        return f"{province}{city}{tail}"

    def vin(self):
        body = (
            self.random.choice(WMIS)
            + "".join(self.random.choice(VIN_CHARS) for _ in range(5))
            + "0"  # position 9, overwritten with the check digit
            + self.random.choice(YEAR_CODES)
            + "".join(self.random.choice(VIN_CHARS) for _ in range(7))
        )
        return with_check_digit(body)
