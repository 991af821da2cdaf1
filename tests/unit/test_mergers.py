"""Which CCG a vanished CCG merged into (ccgs/mergers.py), on cases from the real lists."""

from ccgs.mergers import ListedCCG, Successor, infer_successors

NORFOLK = "E54000022"
SUSSEX = "E54000064"
SURREY = "E54000063"
DURHAM = "E54000049"

NEW_2020 = [
    ListedCCG("26A", "NHS Norfolk and Waveney CCG", NORFOLK),
    ListedCCG("97R", "NHS East Sussex CCG", SUSSEX),
    ListedCCG("70F", "NHS West Sussex CCG", SUSSEX),
    ListedCCG("92A", "NHS Surrey Heartlands CCG", SURREY),
    ListedCCG("84H", "NHS County Durham CCG", DURHAM),
    ListedCCG("16C", "NHS Tees Valley CCG", DURHAM),
]


def infer(*gone, recorded=None):
    return infer_successors(list(gone), NEW_2020, recorded)


def test_only_new_ccg_in_the_stp_is_the_successor():
    result = infer(ListedCCG("07J", "NHS West Norfolk CCG", NORFOLK))
    assert result == {"07J": Successor("26A", "stp")}


def test_names_decide_between_several_new_ccgs_in_the_stp():
    result = infer(ListedCCG("00J", "NHS North Durham CCG", DURHAM))
    assert result["00J"] == Successor("84H", "name")


def test_a_direction_breaks_a_tie_between_shared_place_names():
    result = infer(ListedCCG("09G", "NHS Coastal West Sussex CCG", SUSSEX))
    assert result["09G"] == Successor("70F", "name")


def test_names_can_point_outside_the_stp():
    result = infer(ListedCCG("09L", "NHS East Surrey CCG", SUSSEX))
    assert result["09L"] == Successor("92A", "name")


def test_an_undecidable_case_stays_unknown():
    result = infer(ListedCCG("09H", "NHS Crawley CCG", SUSSEX))
    assert result["09H"] is None


def test_a_tie_on_place_names_stays_unknown():
    result = infer(ListedCCG("09X", "NHS Horsham and Mid Sussex CCG", SUSSEX))
    assert result["09X"] is None


def test_a_recorded_merger_wins():
    result = infer(ListedCCG("09H", "NHS Crawley CCG", SUSSEX), recorded={"09H": "70F"})
    assert result["09H"] == Successor("70F", "recorded")


def test_a_recorded_merger_into_a_ccg_not_new_that_year_is_ignored():
    result = infer(ListedCCG("09H", "NHS Crawley CCG", SUSSEX), recorded={"09H": "ZZZ"})
    assert result["09H"] is None
