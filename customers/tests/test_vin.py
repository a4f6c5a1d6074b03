from customers.vin import check_digit, is_valid_vin, with_check_digit


def test_known_good_vin_passes():
    # The worked example of the North American check-digit rule, shared by ISO 3779 / GB 16735.
    assert is_valid_vin("1M8GDM9AXKP042788")


def test_wrong_check_digit_fails():
    assert not is_valid_vin("1M8GDM9A1KP042788")


def test_letters_i_o_q_are_never_valid():
    assert not is_valid_vin("1M8GDM9AXKP04278O")
    assert not is_valid_vin("IM8GDM9AXKP042788")


def test_length_must_be_17():
    assert not is_valid_vin("1M8GDM9AXKP04278")


def test_check_digit_ten_is_x():
    vin = with_check_digit("LFV2A21K0X3000000")
    assert vin[8] == check_digit(vin)
    assert is_valid_vin(vin)


def test_lowercase_is_accepted():
    assert is_valid_vin("1m8gdm9axkp042788")
