"""rficrawl.urls: classification of rfi.fr URLs, canonical article URLs, public/base rebasing.

The sample below was picked from the 2021 link graph of rfi.fr (../shared/fixtures/rfi/
linkgraph-fr-2021-12-09.tsv) and each expected kind checked by hand against the link's anchor text
and position (navigation, content, aside). URLs are written decoded for reading; the test encodes
them and checks that the encoded form is exactly the link graph's target (RFI's own encoding).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date

import pytest
from parsel import Selector

from rficrawl.editions import editions
from rficrawl.urls import (
    UrlKind,
    canonical_article_url,
    classify,
    encode_url,
    is_onsite,
    to_base,
    to_public,
)
from testbed.captures import capture_bytes, capture_path

LINKGRAPH = "linkgraph-fr-2021-12-09.tsv"
MIRROR = "http://127.0.0.1:8765"

# (URL as RFI links it, decoded for reading; the kind checked by hand)
SAMPLE = [
    ("https://www.rfi.fr/pt/", "front"),
    ("https://www.rfi.fr/fa/hp/", "front"),
    ("https://www.rfi.fr/vi/", "front"),
    ("https://www.rfi.fr/km/", "front"),
    ("https://www.rfi.fr/fr/", "front"),
    ("https://www.rfi.fr/cn/", "front"),
    ("https://www.rfi.fr/fa/جامعه/", "section"),
    ("https://www.rfi.fr/fr/journaux-monde/", "section"),
    ("https://www.rfi.fr/fa/اقتصاد/", "section"),
    ("https://www.rfi.fr/km/កម្ពុជា/", "section"),
    ("https://www.rfi.fr/fr/tech/", "section"),
    ("https://www.rfi.fr/ha/duniya/", "section"),
    ("https://www.rfi.fr/fr/sciences/", "section"),
    ("https://www.rfi.fr/fr/sports/dépêches/", "section"),
    ("https://www.rfi.fr/sw/siasa-uchumi/", "section"),
    ("https://www.rfi.fr/cn/社会/", "section"),
    ("https://www.rfi.fr/km/សង្គម-វប្បធម៌/", "section"),
    ("https://www.rfi.fr/sw/utamaduni/", "section"),
    ("https://www.rfi.fr/ru/культурa-стиль-жизни/", "section"),
    ("https://www.rfi.fr/fa/دیدگاه‌ها-و-اندیشه‌ها/", "section"),
    ("https://www.rfi.fr/sw/habari-zote", "section"),
    ("https://www.rfi.fr/fr/les-plus-lus", "section"),
    ("https://www.rfi.fr/fr/afrique/en-bref/", "section"),
    ("https://www.rfi.fr/es/américas/20211208-el-presidente-peruano-pedro-castillo-evita-el-juicio-político", "article"),
    ("https://www.rfi.fr/fr/moyen-orient/20211206-israël-face-à-l-iran-se-cherche-des-alliés", "article"),
    ("https://www.rfi.fr/fr/en-bref/20211209-nombre-record-de-journalistes-emprisonnés-dans-le-monde-en-2021-dit-le-cpj-dans-son-rapport-annuel", "article"),
    ("https://www.rfi.fr/fr/france/20211201-pourquoi-la-campagne-d-anne-hidalgo-ne-décolle-t-elle-pas", "article"),
    ("https://www.rfi.fr/fr/en-bref/20211113-la-cop26-adopte-un-accord-en-demi-teinte-après-deux-semaines-de-négociations-éprouvantes", "article"),
    ("https://www.rfi.fr/br/europa/20211208-frança-considera-novo-chanceler-alemão-um-aliado-sólido-e-leal-mas-imprensa-vê-nuvens-no-horizonte", "article"),
    ("https://www.rfi.fr/fr/com/20181206-communique-conjoint-groupes-audiovisuels-internationaux-service-public-reunis-londres", "article"),
    ("https://www.rfi.fr/tw/中國/20211208-陶冬看中國四大重要變化-十年內有機會超過美國", "article"),
    ("https://www.rfi.fr/en/europe/20211208-germany-ushers-in-post-merkel-era-with-new-chancellor-olaf-scholz", "article"),
    ("https://www.rfi.fr/fr/france/20211206-crise-aux-antilles-début-des-négociations-sur-la-loi-sur-l-obligation-vaccinale", "article"),
    ("https://www.rfi.fr/fa/افغانستان/20211208-یونیسف-خواستار-یک-بودجه-۲-میلیارد-دلاری-برای-نجات-کودکان-در-افغانستان-شد", "article"),
    ("https://www.rfi.fr/ru/видео/20211117-год-наполеона-во-франции-смерть-великого-императора-и-его-последнее-возвращение-в-париж", "article"),
    ("https://www.rfi.fr/fr/afrique/20211209-affaire-chebeya-en-rdc-à-la-barre-paul-mwilambwe-évoque-le-nom-de-joseph-kabila", "article"),
    ("https://www.rfi.fr/fr/afrique/20201229-affaire-makila-mulegwa-en-rdc-le-procès-suspendu-en-attendant-la-décision-du-juge-d-appel", "article"),
    ("https://www.rfi.fr/fr/sports/20211208-ligue-des-champions-salzbourg-se-qualifie-pour-la-première-fois-pour-les-huitièmes-de-finale", "article"),
    ("https://www.rfi.fr/fr/afrique/20211206-la-fondation-mo-ibrahim-estime-que-la-fracture-vaccinale-est-un-défi-prioritaire-pour-l-afrique", "article"),
    ("https://www.rfi.fr/fr/environnement/20211114-cop26-les-pays-les-plus-vulnérables-sont-ceux-qui-ont-dû-faire-le-plus-de-compromis", "article"),
    ("https://www.rfi.fr/ha/afrika/20211208-fashin-teku-na-janyo-asarar-kudade-ga-afirka-majalisar-dinkin-duniya", "article"),
    ("https://www.rfi.fr/fr/afrique/20200211-mondoblog-organise-concours-recruter-nouveaux-blogueurs-rfi", "article"),
    ("https://www.rfi.fr/vi/quốc-tế/20211209-sau-mỹ-úc-và-anh-đến-lượt-canada-tẩy-chay-ngoại-giao-olympic-bắc-kinh-2022", "article"),
    ("https://www.rfi.fr/fr/afrique/20211126-congo-hold-up-congo-futur-un-empire-sous-sanctions", "article"),
    ("https://www.rfi.fr/fr/france/20211205-présidentielle-2022-à-la-défense-mélenchon-appelle-ses-partisans-au-combat", "article"),
    ("https://www.rfi.fr/fr/c1-des-8e-de-rêve-mais-sans-barcelone", "article"),
    ("https://www.rfi.fr/fr/tennis-amélie-mauresmo-nommée-directrice-de-roland-garros-président-fft", "article"),
    ("https://www.rfi.fr/en/milan-look-to-domestic-glory-after-european-flop", "article"),
    ("https://www.rfi.fr/en/new-us-jobless-claims-again-drop-to-1969-levels", "article"),
    ("https://www.rfi.fr/es/boris-johnson-y-su-esposa-anuncian-el-nacimiento-de-una-niña", "article"),
    ("https://www.rfi.fr/cn/布吉纳法索总理率政府总辞", "article"),
    ("https://www.rfi.fr/cn/中國/20211209-路透社-中國施壓跨國企業斷絕與立陶宛的商業合作", "article"),
    ("https://www.rfi.fr/cn/视频/20211209-中国全过程民主实录二-许艳被强制封足-1", "article"),
    ("https://www.rfi.fr/fr/vidéo/20210924-ce-qu-on-retiendra-d-angela-merkel", "article"),
    ("https://www.rfi.fr/fr/emission/20141121-henri-lopes-invite-frederic-riviere-vendredi", "article"),
    ("https://www.rfi.fr/ha/slideshow/20210521-clone-mahangar-dakta-meddy-cikin-zane-a-2021", "article"),
    ("https://www.rfi.fr/km/general/20211209-ឆ្នាំ២០២១-ចំនួន-អ្នកសារព័ត៌មាន-ត្រូវ-គេ-ចាប់-ដាក់ឃុំ-មាន-ច្រើន-ជាង-ឆ្នាំ-ណាៗ-ទាំងអស់", "article"),
    ("https://www.rfi.fr/fr/podcasts/journal-d-haïti-et-des-amériques/20211207-au-pérou-la-souffrance-des-victimes-du-sentier-lumineux", "podcast_episode"),
    ("https://www.rfi.fr/km/កម្មវិធីផ្សេងទៀត/ភ្ញៀវប្រចាំថ្ងៃ/20211208-កម្ពុជា-សង្គម-សេដ្ឋកិច្ច-ហិរញ្ញវត្ថុ-ប្រាក់-បញ្ញើ", "podcast_episode"),
    ("https://www.rfi.fr/ff/taskaramji/jantoore-reportaas/20211207-senegaal-ñallal-ndenndi-ngaynaako-laatike-e-dow-ardagol-makki-sall", "podcast_episode"),
    ("https://www.rfi.fr/fr/podcasts/les-dessous-de-l-infox/20211105-les-mensonges-de-la-pseudo-archéologie", "podcast_episode"),
    ("https://www.rfi.fr/vi/tạp-chí/tạp-chí-xã-hội/20211208-mat-toi-cua-quan-doi-han-quoc", "podcast_episode"),
    ("https://www.rfi.fr/fr/podcasts/7-milliards-de-voisins/20211203-faut-il-s-inspirer-des-pays-nordiques-pour-être-heureux", "podcast_episode"),
    ("https://www.rfi.fr/ru/подкасты/европейские-голоса-гулага/20211208-я-три-года-не-ходил-в-школу-потому-что-не-было-одежды-о-детях-и-женщинах-на-спецпоселениях", "podcast_episode"),
    ("https://www.rfi.fr/fr/podcasts/20200510-en-retrait-monde-épisode-1-récits-cabanes-et-refuges", "podcast_episode"),
    ("https://www.rfi.fr/fr/podcasts/de-vive-s-voix/20211206-étienne-robial-comment-décrire-la-communication-visuelle", "podcast_episode"),
    ("https://www.rfi.fr/br/podcasts/planeta-verde/20211209-bolsonaro-retoma-discurso-de-militares-da-década-de-70-sobre-exploração-da-amazônia-diz-especialista", "podcast_episode"),
    ("https://www.rfi.fr/fr/podcasts/grand-reportage/20210923-angela-merkel-un-destin-allemand", "podcast_episode"),
    ("https://www.rfi.fr/fr/podcasts/grand-reportage/20211208-méharistes-les-sentinelles-du-désert", "podcast_episode"),
    ("https://www.rfi.fr/ff/taskaramji/13-00-13-15-gmt/20211208-kabaaruuji-08-12-13h00-gmt", "podcast_episode"),
    ("https://www.rfi.fr/en/podcasts/paris-live/", "podcast_show"),
    ("https://www.rfi.fr/km/ការផ្សាយប្រចាំថ្ងៃ/ភ្ញៀវប្រចាំថ្ងៃ", "podcast_show"),
    ("https://www.rfi.fr/fr/podcasts/décryptage/", "podcast_show"),
    ("https://www.rfi.fr/fr/podcasts/07h15/", "podcast_show"),
    ("https://www.rfi.fr/fr/podcasts/priorité-santé/", "podcast_show"),
    ("https://www.rfi.fr/fr/podcasts/cest-la-vie/", "podcast_show"),
    ("https://www.rfi.fr/fr/podcasts/contes-à-écouter/", "podcast_show"),
    ("https://www.rfi.fr/fr/podcasts/carrefour-europe/", "podcast_show"),
    ("https://www.rfi.fr/br/emission/info/rfi-convida", "podcast_show"),
    ("https://www.rfi.fr/km/features/info/guests", "podcast_show"),
    ("https://www.rfi.fr/fr/podcasts/journal-français-facile", "podcast_show"),
    ("https://www.rfi.fr/vi/tạp-chí/", "podcast_index"),
    ("https://www.rfi.fr/vi/chương-trình/", "podcast_index"),
    ("https://www.rfi.fr/cn/专栏检索/", "podcast_index"),
    ("https://www.rfi.fr/km/កម្មវិធីផ្សេងទៀត/", "podcast_index"),
    ("https://www.rfi.fr/fr/tag/nucléaire/", "tag"),
    ("https://www.rfi.fr/fr/tag/revue-de-presse/", "tag"),
    ("https://www.rfi.fr/fr/tag/gafa/", "tag"),
    ("https://www.rfi.fr/fr/tag/emmanuel-macron/", "tag"),
    ("https://www.rfi.fr/fr/tag/joe-biden/", "tag"),
    ("https://www.rfi.fr/fr/tag/patrimoine/", "tag"),
    ("https://www.rfi.fr/fr/tag/cybercriminalité/", "tag"),
    ("https://www.rfi.fr/fr/tag/can-2021/", "tag"),
    ("http://www.rfi.fr/cn/tag/新冠病毒/", "tag"),
    ("https://www.rfi.fr/tw/關鍵詞/拿破崙/", "tag"),
    ("https://www.rfi.fr/ru/тег/беларусь/", "tag"),
    ("https://www.rfi.fr/ma/tag/forum_de_dakar/", "tag"),
    ("https://www.rfi.fr/br/tag/ômicron/", "tag"),
    ("https://www.rfi.fr/fr/tag/coronavirus/10/", "list_page"),
    ("https://www.rfi.fr/fr/tag/coronavirus/2/", "list_page"),
    ("https://www.rfi.fr/fr/tag/communiqués-de-presse-rfi/6/", "list_page"),
    ("https://www.rfi.fr/fr/tag/communiqués-de-presse-rfi/7/", "list_page"),
    ("https://www.rfi.fr/fr/podcasts/5/", "list_page"),
    ("https://www.rfi.fr/fr/tag/coronavirus/3/", "list_page"),
    ("https://www.rfi.fr/fr/interactif/3/", "list_page"),
    ("https://www.rfi.fr/fr/notre-sélection/10/", "list_page"),
    ("https://www.rfi.fr/sw/maktaba/2012/", "archive_year"),
    ("https://www.rfi.fr/fr/archives/2008/", "archive_year"),
    ("https://www.rfi.fr/en/archives/2015/", "archive_year"),
    ("https://www.rfi.fr/tw/檔案資料庫/2014/", "archive_year"),
    ("https://www.rfi.fr/fr/archives/afrique/2017/", "archive_year"),
    ("https://www.rfi.fr/fr/archives/afrique/2012/", "archive_year"),
    ("https://www.rfi.fr/pt/arquivos/2016/", "archive_year"),
    ("https://www.rfi.fr/br/arquivos/2015/", "archive_year"),
    ("https://www.rfi.fr/fr/auteur/charlotte-idrac/", "author"),
    ("https://www.rfi.fr/fr/auteur/marie-normand/", "author"),
    ("https://www.rfi.fr/fr/auteur/alice-mesnard/", "author"),
    ("https://www.rfi.fr/en/videos", "video"),
    ("https://www.rfi.fr/es/videos", "video"),
    ("https://www.rfi.fr/cn/视频", "video"),
    ("https://www.rfi.fr/ha/bidiyo", "video"),
    ("https://www.rfi.fr/ameriques/rss", "feed"),
    ("https://www.rfi.fr/fr/contenu/general/rss", "feed"),
    ("http://www.rfi.fr/musiquefr/statiques/accueil.xml", "feed"),
    ("http://www.rfi.fr/radiofr/podcast/rss_enseigner_francais.xml", "feed"),
    ("https://www.rfi.fr/europe/rss", "feed"),
    ("https://www.rfi.fr/science/rss", "feed"),
    ("https://www.rfi.fr/pt/aplicações", "page"),
    ("https://www.rfi.fr/pt/como-sintonizar", "page"),
    ("https://www.rfi.fr/ha/kai-tsaye", "page"),
    ("https://www.rfi.fr/tw/法廣合作夥伴/", "page"),
    ("https://www.rfi.fr/fr/general/frequences", "page"),
    ("https://www.rfi.fr/journaux-monde/", "page"),
    ("https://www.rfi.fr/fr/gestion-notifications", "page"),
    ("https://www.rfi.fr/ha/yadda-za-a-sami-rfi", "page"),
    ("https://www.rfi.fr/vi/cách-nghe-rfi", "page"),
    ("https://www.rfi.fr/connaissances", "page"),
    ("https://www.rfi.fr/fr/grille-des-programmes-monde/hier", "page"),]

# Kinds the 2021 link graph holds; sitemaps, robots.txt, archive days, assets and off-site links
# are not in it and are tested below on the 2025 capture and RFI-SITE.md's examples.
GRAPH_KINDS = {
    UrlKind.ARTICLE, UrlKind.FRONT, UrlKind.SECTION, UrlKind.LIST_PAGE, UrlKind.TAG,
    UrlKind.ARCHIVE_YEAR, UrlKind.FEED, UrlKind.PODCAST_EPISODE, UrlKind.PODCAST_SHOW,
    UrlKind.PODCAST_INDEX, UrlKind.AUTHOR, UrlKind.VIDEO, UrlKind.PAGE,
}


@pytest.fixture(scope="module")
def graph_targets() -> dict[str, str]:
    """Distinct link targets of the link graph, with the anchor text of their first link."""
    targets: dict[str, str] = {}
    with capture_path(LINKGRAPH).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            targets.setdefault(row["target_url"], row["anchor_text"])
    return targets


def test_link_graph_has_the_documented_number_of_targets(graph_targets):
    assert len(graph_targets) == 1827


def test_every_link_graph_target_is_classified(graph_targets):
    kinds = Counter(classify(url).kind for url in graph_targets)
    assert set(kinds) == GRAPH_KINDS
    assert all(isinstance(kind, UrlKind) for kind in kinds)
    # Every target is on rfi.fr; none may be mistaken for another site.
    assert kinds[UrlKind.OFFSITE] == 0
    assert sum(kinds.values()) == 1827


def test_every_link_graph_target_has_an_edition_or_is_a_site_wide_path(graph_targets):
    for url in graph_targets:
        info = classify(url)
        if info.edition is None:
            assert info.kind in {UrlKind.FEED, UrlKind.PAGE, UrlKind.FRONT}, url


def test_sample_is_large_and_covers_every_graph_kind():
    assert len(SAMPLE) >= 100
    assert len({url for url, _ in SAMPLE}) == len(SAMPLE)
    assert {UrlKind(kind) for _, kind in SAMPLE} == GRAPH_KINDS
    articles = [url for url, kind in SAMPLE if kind == "article"]
    assert sum(1 for url in articles if classify(encode_url(url)).date is None) >= 5


@pytest.mark.parametrize(("url", "kind"), SAMPLE)
def test_hand_verified_sample(url, kind, graph_targets):
    encoded = encode_url(url)
    assert encoded in graph_targets, f"{encoded} is not a target of the link graph"
    assert classify(encoded).kind == UrlKind(kind)
    # The decoded spelling is the same URL.
    assert classify(url).kind == UrlKind(kind)


def test_fields_of_a_dated_article():
    info = classify("https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20211208-%E4%B8%AD%E5%9B%BD%E5%85%AC")
    assert (info.kind, info.edition, info.section, info.date) == (
        UrlKind.ARTICLE, "cn", "中国", date(2021, 12, 8))
    assert info.is_article and not info.is_listing


def test_fields_of_an_undated_wire_item():
    info = classify("https://www.rfi.fr/fr/c1-des-8e-de-r%C3%AAve-mais-sans-barcelone")
    assert (info.kind, info.edition, info.section, info.date) == (UrlKind.ARTICLE, "fr", None, None)
    assert info.slug == "c1-des-8e-de-rêve-mais-sans-barcelone"


def test_fields_of_podcast_episodes_and_shows():
    info = classify("https://www.rfi.fr/fr/podcasts/grand-reportage/20211208-m%C3%A9haristes")
    assert (info.kind, info.show, info.date) == (
        UrlKind.PODCAST_EPISODE, "grand-reportage", date(2021, 12, 8))
    assert classify("/cn/专栏检索/法国风光/").show == "法国风光"
    assert classify("/fr/podcasts/grand-reportage/podcast").kind == UrlKind.FEED


def test_fields_of_list_pages():
    info = classify("https://www.rfi.fr/fr/tag/coronavirus/10/")
    assert (info.kind, info.page, info.list_of, info.tag) == (
        UrlKind.LIST_PAGE, 10, UrlKind.TAG, "coronavirus")
    assert classify("/fr/podcasts/3/").list_of == UrlKind.PODCAST_INDEX
    assert classify("/fr/podcasts/grand-reportage/2/").list_of == UrlKind.PODCAST_SHOW
    assert classify("/cn/中国/2/").list_of == UrlKind.SECTION


def test_archives():
    year = classify("https://www.rfi.fr/ru/a%D1%80%D1%85%D0%B8%D0%B2%D1%8B/2013/")
    assert (year.kind, year.edition, year.year) == (UrlKind.ARCHIVE_YEAR, "ru", 2013)
    per_section = classify("/fr/archives/afrique/2017/")
    assert (per_section.kind, per_section.section, per_section.year) == (
        UrlKind.ARCHIVE_YEAR, "afrique", 2017)
    # RFI-SITE.md's day page shape; the month spelling is not relied on.
    day = classify("/fr/archives/2021/12/09-d%C3%A9cembre-2021")
    assert (day.kind, day.date) == (UrlKind.ARCHIVE_DAY, date(2021, 12, 9))
    assert classify("/cn/档案资料库/2025/").year == 2025
    # Page 2 of a long day is a list page of that day (so the pager is followed), while a
    # month number under a year stays part of the archive.
    day_page = classify("/fr/archives/2021/12/09-d%C3%A9cembre-2021/2/")
    assert (day_page.kind, day_page.list_of, day_page.page, day_page.date) == (
        UrlKind.LIST_PAGE, UrlKind.ARCHIVE_DAY, 2, date(2021, 12, 9))
    assert classify("/fr/archives/2021/12/").kind == UrlKind.ARCHIVE_YEAR
    # The Cyrillic spelling of the Russian archive word is not RFI's (its first letter is Latin).
    assert classify("/ru/архивы/2013/").kind != UrlKind.ARCHIVE_YEAR


def test_tag_words_old_and_new():
    assert classify("/cn/tag/中国篇/").kind == UrlKind.TAG
    assert classify("/cn/关键词/台湾/").tag == "台湾"
    assert classify("/tw/關鍵詞/拿破崙/").kind == UrlKind.TAG


def test_feeds_sitemaps_robots():
    assert classify("https://www.rfi.fr/cn/rss").kind == UrlKind.FEED
    assert classify("/fr/afrique/rss").section == "afrique"
    assert classify("/fr/tag/coronavirus/rss").kind == UrlKind.FEED
    assert classify("/sitemaps/cn/index.xml").kind == UrlKind.SITEMAP
    assert classify("/sitemaps/cn/contents_202511.xml").kind == UrlKind.SITEMAP
    assert classify("/sitemaps/cn/news.xml").kind == UrlKind.SITEMAP
    assert classify("/robots.txt").kind == UrlKind.ROBOTS
    assert classify("/fr/sitemap.xml").kind == UrlKind.SITEMAP


def test_offsite_and_odd_links():
    for url in (
        "https://savoirs.rfi.fr/cn/apprendre-enseigner",
        "https://www.france24.com/en/",
        "https://rfi.my/FBcn",
        "https://s.rfi.fr/media/display/x/w:1280/p:16x9/a.jpg",
        "mailto:someone@rfi.fr",
        "javascript:void(0)",
        "https://www.rfi.fr.evil.example/cn/",
        "https://www.rfi.fr:8443/cn/",
        "http://",
        "ftp://www.rfi.fr/cn/",
    ):
        assert classify(url).kind == UrlKind.OFFSITE, url
    assert classify("/build/css/app.css").kind == UrlKind.ASSET
    assert classify("/cn/site.manifest").kind == UrlKind.ASSET
    assert classify("https://www.rfi.fr/").kind == UrlKind.FRONT


def test_every_link_of_the_2025_cn_front_is_classified():
    """The 2025 capture: 关键词 tags, archive years up to 2025, off-site partner links."""
    page = Selector(text=capture_bytes("cn-home-2025-11-30.html").decode("utf-8"))
    kinds = Counter(classify(href).kind for href in page.css("a::attr(href)").getall()
                    if not href.startswith("#"))
    assert kinds[UrlKind.ARTICLE] >= 40
    assert kinds[UrlKind.TAG] >= 10
    assert kinds[UrlKind.ARCHIVE_YEAR] >= 18
    assert kinds[UrlKind.OFFSITE] >= 10
    assert kinds[UrlKind.PODCAST_EPISODE] >= 5


def test_the_mirror_base_url_is_on_site():
    assert is_onsite(f"{MIRROR}/cn/", MIRROR)
    assert not is_onsite("http://127.0.0.1:9999/cn/", MIRROR)
    info = classify(f"{MIRROR}/cn/%E4%B8%AD%E5%9B%BD/", MIRROR)
    assert (info.kind, info.section) == (UrlKind.SECTION, "中国")
    # The public site stays on-site while crawling a mirror.
    assert classify("https://www.rfi.fr/cn/中国/", MIRROR).kind == UrlKind.SECTION


def test_base_url_with_a_path_prefix():
    base = "http://127.0.0.1:8765/rfi"
    assert classify(f"{base}/cn/中国/", base).kind == UrlKind.SECTION
    assert to_base("https://www.rfi.fr/cn/rss", base) == f"{base}/cn/rss"
    assert to_public(f"{base}/cn/rss", base) == "https://www.rfi.fr/cn/rss"


def test_the_registry_words_drive_classification():
    for edition in editions().values():
        if edition.archive_word:
            assert classify(f"/{edition.prefix}/{edition.archive_word}/2020/").kind == (
                UrlKind.ARCHIVE_YEAR), edition.prefix
        for word in edition.tag_words:
            assert classify(f"/{edition.prefix}/{word}/x/").kind == UrlKind.TAG, edition.prefix
        for section in edition.sections:
            assert classify(f"/{edition.prefix}/{section}/").kind == UrlKind.SECTION, section
        for page in edition.pages:
            assert classify(f"/{edition.prefix}/{page}").kind == UrlKind.PAGE, page


CN_ARTICLE = "https://www.rfi.fr/cn/政治/20251130-台湾增加400亿美元国防开支-加速部署t-dome防空系统"
CN_ARTICLE_ENCODED = (
    "https://www.rfi.fr/cn/%E6%94%BF%E6%B2%BB/20251130-%E5%8F%B0%E6%B9%BE%E5%A2%9E%E5%8A%A0400"
    "%E4%BA%BF%E7%BE%8E%E5%85%83%E5%9B%BD%E9%98%B2%E5%BC%80%E6%94%AF-%E5%8A%A0%E9%80%9F%E9%83"
    "%A8%E7%BD%B2t-dome%E9%98%B2%E7%A9%BA%E7%B3%BB%E7%BB%9F"
)


def test_canonical_article_url_encodes_raw_letters_and_keeps_encoded_ones():
    assert canonical_article_url(CN_ARTICLE) == CN_ARTICLE_ENCODED
    assert canonical_article_url(CN_ARTICLE_ENCODED) == CN_ARTICLE_ENCODED
    # Lowercase hex (the slug's own letters are lowercase here) is the same URL, written RFI's way.
    lower_hex = CN_ARTICLE_ENCODED.removeprefix("https://www.rfi.fr").lower()
    assert lower_hex != CN_ARTICLE_ENCODED.removeprefix("https://www.rfi.fr")
    assert canonical_article_url(lower_hex) == CN_ARTICLE_ENCODED


def test_canonical_article_url_drops_query_and_fragment_and_rebases():
    assert canonical_article_url(CN_ARTICLE + "?utm_source=x#top") == CN_ARTICLE_ENCODED
    relative = CN_ARTICLE.removeprefix("https://www.rfi.fr")
    assert canonical_article_url(relative) == CN_ARTICLE_ENCODED
    assert canonical_article_url(MIRROR + relative, MIRROR) == CN_ARTICLE_ENCODED
    assert canonical_article_url("http://rfi.fr/fr/x") == "https://www.rfi.fr/fr/x"


def test_canonical_article_url_never_rewrites_letters():
    latin_a = "https://www.rfi.fr/ru/культурa-стиль-жизни/20211208-x"  # Latin "a" kept Latin
    cyrillic_a = "https://www.rfi.fr/ru/культура-стиль-жизни/20211208-x"
    assert canonical_article_url(latin_a) != canonical_article_url(cyrillic_a)
    assert "%D1%83%D1%80a-" in canonical_article_url(latin_a)
    upper = "https://www.rfi.fr/km/តើអាចស្តាប់-RFI-តាមវិធីណាខ្លះ"
    assert "-RFI-" in canonical_article_url(upper)
    # Decomposed and composed "é" stay distinct: no Unicode normalisation.
    assert canonical_article_url("/fr/e\u0301t\u00e9") == "https://www.rfi.fr/fr/e%CC%81t%C3%A9"
    # Zero-width non-joiners of Persian slugs are kept.
    assert "%E2%80%8C" in canonical_article_url("/fa/دیدگاه‌ها-و-اندیشه‌ها/x")


def test_to_public_and_to_base_round_trip():
    public = to_public(f"{MIRROR}/cn/中国/?page=2#x", MIRROR)
    assert public == "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/?page=2"
    assert to_base(public, MIRROR) == f"{MIRROR}/cn/%E4%B8%AD%E5%9B%BD/?page=2"
    assert to_public(to_base(CN_ARTICLE_ENCODED, MIRROR), MIRROR) == CN_ARTICLE_ENCODED
    # Off-site URLs are never rebased.
    assert to_base("https://savoirs.rfi.fr/cn/", MIRROR) == "https://savoirs.rfi.fr/cn/"
    assert to_public("https://www.france24.com/en/", MIRROR) == "https://www.france24.com/en/"
    # With the live site as base, both are the identity on public URLs.
    assert to_base(CN_ARTICLE_ENCODED) == CN_ARTICLE_ENCODED
    assert to_public(CN_ARTICLE_ENCODED) == CN_ARTICLE_ENCODED


def test_classify_never_raises_on_odd_input():
    for url in ("", "   ", "/", "//", "http://", "/%E4%B8", "/cn/%ZZ/", "/fr/archives/2021/13/40-x",
                "/fr/tag/", "/fr/podcasts/x/20211399-bad-date"):
        assert isinstance(classify(url).kind, UrlKind), url
    assert classify("/fr/archives/2021/13/40-x").date is None
    assert classify("/fr/podcasts/x/20211399-bad-date").date is None


def test_the_url_command(capsys):
    from rficrawl.cli.main import main

    assert main(["url", "/fr/tag/coronavirus/2/", "https://www.rfi.fr/cn/中国/20211208-x?a=1",
                 "https://savoirs.rfi.fr/", "--base-url", MIRROR]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["kind"] for line in lines] == ["list_page", "article", "offsite"]
    assert (lines[0]["page"], lines[0]["list_of"], lines[0]["tag"]) == (2, "tag", "coronavirus")
    assert lines[1]["date"] == "2021-12-08" and lines[1]["section"] == "中国"
    assert lines[1]["public_url"] == "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20211208-x"
    assert lines[1]["request_url"] == f"{MIRROR}/cn/%E4%B8%AD%E5%9B%BD/20211208-x"
    assert "public_url" not in lines[2]
