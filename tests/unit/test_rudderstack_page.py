"""Page facts (``context.page``, a page call's properties, ``context.campaign``), ported from RudderStack's tests.

Sources in rudder-sdk-js, each cited at its test:
- ``packages/analytics-js/__tests__/components/utilities/url.test.ts`` (getUrlWithoutHash, getReferringDomain,
  extractUTMParameters);
- ``packages/analytics-js/__tests__/components/utilities/page.test.ts`` (getCanonicalUrl, getReferrer,
  getDefaultPageProperties);
- ``packages/analytics-js/__tests__/components/eventManager/utilities.test.ts`` (getUpdatedPageProperties,
  getContextPageProperties, getEnrichedEvent);
- ``packages/analytics-js/__tests__/components/eventManager/RudderEventFactory.test.ts`` (the page event);
- ``packages/analytics-js-cookies/__tests__/cookieUtilities.test.ts`` (the stored initial referrer).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pyodide_pendo import Analytics
from pyodide_pendo._browser import BrowserEnvironment
from pyodide_pendo.messages import FixedEnvironment, PageInfo, page_facts
from pyodide_pendo.persistence import MemoryStore
from pyodide_pendo.urls import referring_domain, utm_parameters, without_hash
from tests.unit.conftest import RecordingAgent

# The page RudderStack's jsdom tests run in ("should get current page details"), and its session state.
TEST_HOST = PageInfo(url="https://www.test-host.com/", path="/", search="", title="", referrer="$direct")
INITIAL_REFERRER = "RS_ENC_v3_" + "Imh0dHBzOi8vdGVzdC5jb20vcGFnZSI="  # "https://test.com/page", as RudderStack stores it
INITIAL_REFERRING_DOMAIN = "RS_ENC_v3_" + "InRlc3QuY29tIg=="  # "test.com"


# -- url.test.ts -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("https://rudderlabs.com/?abc=def#blog", "https://rudderlabs.com/?abc=def"),  # "should get URL without hash"
    ("https://rudderlabs.com/blog", "https://rudderlabs.com/blog"),  # "... if it does not contain any hash"
    ("abcdotcom", "abcdotcom"),  # "... if it is not a valid URL"
    ("https://rudderlabs.com", "https://rudderlabs.com/"),  # as new URL() writes it
])
def test_url_without_hash(url: str, expected: str) -> None:
    assert without_hash(url) == expected


@pytest.mark.parametrize(("referrer", "expected"), [
    ("https://rudderlabs.com:8080/", "rudderlabs.com:8080"),  # "should get referring domain if referrer is a valid URL"
    ("abcd", ""),  # "should get empty string if referrer is not a valid URL"
    ("$direct", ""),
    ("https://Example.COM:443/x", "example.com"),  # the browser lower-cases the host and drops the default port
])
def test_referring_domain(referrer: str, expected: str) -> None:
    assert referring_domain(referrer) == expected


@pytest.mark.parametrize(("url", "expected"), [
    # "should get UTM parameters if present in the URL"
    ("https://rudderlabs.com/?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=rudderstack"
     "&utm_content=homepage&non_utm=value",
     {"source": "google", "medium": "cpc", "name": "brand", "term": "rudderstack", "content": "homepage"}),
    ("https://rudderlabs.com/", {}),  # "should get empty object if UTM parameters are not present in the URL"
    ("abcd", {}),  # "should get empty object as UTM parameters if the URL is not valid"
    ("https://x.com/?utm_term=spring+sale%21&utm_term=later#utm_source=hash", {"term": "later"}),
])
def test_utm_parameters(url: str, expected: dict) -> None:
    assert utm_parameters(url) == expected


# -- page.test.ts ----------------------------------------------------------------------------------------------

class Link:
    def __init__(self, rel: str | None, href: str | None) -> None:
        self.attributes = {"rel": rel, "href": href}

    def getAttribute(self, name: str) -> str | None:  # noqa: N802 (the DOM's name)
        return self.attributes[name]


def window(href: str, pathname: str, search: str, title: str, referrer: str, links: list[Link]) -> SimpleNamespace:
    """A stand-in page: ``querySelector('link[rel="canonical"]')`` matches ``rel`` in any case, as the browser
    does for that attribute."""
    def query_selector(selector: str) -> Link | None:
        assert selector == 'link[rel="canonical"]'
        return next((link for link in links if (link.attributes["rel"] or "").lower() == "canonical"), None)

    return SimpleNamespace(location=SimpleNamespace(href=href, pathname=pathname, search=search),
                           document=SimpleNamespace(title=title, referrer=referrer, querySelector=query_selector))


def facts(page: PageInfo) -> dict:
    return page.as_context()


DOCS = ("https://rudderlabs.com/docs/?someKey=someVal#some-page", "/docs/", "?someKey=someVal", "RudderStack",
        "https://google.com/")


@pytest.mark.parametrize(("links", "url"), [
    # "should get default page properties with canonical url"
    ([Link("canonical", "https://rudderlabs.com/docs/")], "https://rudderlabs.com/docs/?someKey=someVal"),
    # "should get default page properties without canonical url"
    ([], "https://rudderlabs.com/docs/?someKey=someVal"),
    # "should get default page properties with canonical url that has query params"
    ([Link("canonical", "https://rudderlabs.com/docs/?canonicalQueryParam=test")],
     "https://rudderlabs.com/docs/?canonicalQueryParam=test"),
])
def test_default_page_properties(links: list[Link], url: str) -> None:
    expected = {"url": url, "path": "/docs/", "search": "?someKey=someVal", "title": "RudderStack",
                "referrer": "https://google.com/", "referring_domain": "google.com",
                "tab_url": "https://rudderlabs.com/docs/?someKey=someVal#some-page"}
    assert facts(BrowserEnvironment(window(*DOCS, links)).page()) == expected


def test_the_canonical_url_gives_url_and_path() -> None:
    """A canonical URL on another path: its path is the page's, the location's query is added (page.ts)."""
    page = BrowserEnvironment(window("https://shop.example.com/p/42?ref=mail#top", "/p/42", "?ref=mail", "Shoe",
                                     "", [Link("canonical", "https://example.com/shoes/red")])).page()
    assert (page.url, page.path, page.tab_url) == ("https://example.com/shoes/red?ref=mail", "/shoes/red",
                                                   "https://shop.example.com/p/42?ref=mail#top")


@pytest.mark.parametrize("links", [
    [Link("canonical", "/docs/")],  # relative: new URL() throws, so RudderStack ignores it
    [Link("Canonical", "https://rudderlabs.com/other/")],  # getAttribute('rel') !== 'canonical'
    [Link("canonical", None)],
    # "should get empty canonical URL if no valid canonical tags are present in the DOM"
    [Link(None, "https://rudderlabs.com/")],
])
def test_a_canonical_link_that_does_not_count(links: list[Link]) -> None:
    page = BrowserEnvironment(window(*DOCS, links)).page()
    assert (page.url, page.path) == ("https://rudderlabs.com/docs/?someKey=someVal", "/docs/")


def test_the_first_canonical_link_counts() -> None:
    """getCanonicalUrl: "should get canonical URL if present in the DOM" (the first of two)."""
    page = BrowserEnvironment(window(*DOCS, [Link("canonical", "https://rudderlabs.com/"),
                                             Link("canonical", "https://rudderlabs.com/blog")])).page()
    assert page.url == "https://rudderlabs.com/?someKey=someVal"


@pytest.mark.parametrize(("referrer", "expected"), [
    ("https://rudderlabs.com/", "https://rudderlabs.com/"),  # getReferrer: "should get referrer if defined"
    ("", "$direct"),  # "should get default referrer string if referrer is not defined"
])
def test_referrer(referrer: str, expected: str) -> None:
    assert page_facts("https://x.com/", "/", "", "", referrer, None).referrer == expected


def test_current_page_details() -> None:
    """getDefaultPageProperties: "should get current page details"."""
    assert facts(page_facts("https://www.test-host.com/", "/", "", "", "", None)) == {
        "url": "https://www.test-host.com/", "path": "/", "search": "", "title": "", "referrer": "$direct",
        "referring_domain": "", "tab_url": "https://www.test-host.com/"}


def test_the_browser_environment_follows_the_page() -> None:
    """A single-page app changes the URL, the title and the canonical link; each message reads them again."""
    links: list[Link] = []
    page_window = window("https://x.com/a", "/a", "", "A", "", links)
    environment = BrowserEnvironment(page_window)
    assert environment.page().url == "https://x.com/a"
    page_window.location = SimpleNamespace(href="https://x.com/b?utm_source=news", pathname="/b",
                                           search="?utm_source=news")
    environment._location = page_window.location
    page_window.document.title = "B"
    links.append(Link("canonical", "https://x.com/canonical-b"))
    page = environment.page()
    assert (page.url, page.path, page.title, page.campaign) == ("https://x.com/canonical-b?utm_source=news",
                                                                "/canonical-b", "B", {"source": "news"})


# -- getUpdatedPageProperties, getContextPageProperties, getEnrichedEvent --------------------------------------

@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    store.set("rl_page_init_referrer", INITIAL_REFERRER)
    store.set("rl_page_init_referring_domain", INITIAL_REFERRING_DOMAIN)
    return store


@pytest.fixture
def loaded(agent: RecordingAgent, store: MemoryStore) -> Analytics:
    analytics = Analytics(agent=agent, environment=FixedEnvironment(TEST_HOST), store=store)
    analytics.load("KEY")
    return analytics


FULL = {"path": "/test", "referrer": "https://www.google.com/test", "search": "?test=true", "title": "test page",
        "url": "https://www.rudderlabs.com/test", "referring_domain": "www.google.com",
        "tab_url": "https://www.rudderlabs.com/test1", "initial_referrer": "https://www.google.com/test1",
        "initial_referring_domain": "www.google.com", "anonymousId": "default-anon-id"}


@pytest.mark.parametrize("options", [
    None,  # "should return the input page properties if options is invalid"
    {"tempKey": "tempValue"},  # "... if the page properties provided in options is undefined"
    {"page": "some string"},  # "... if the page properties provided in options is not a valid object"
    {},  # "... if the all the default page properties are defined"
])
def test_page_properties_given_in_full_stay(loaded: Analytics, options) -> None:
    message = loaded.page(FULL, options)
    assert message["properties"] == FULL
    if "page" not in (options or {}):  # else options["page"] merges into context.page too, a string replacing it
        assert message["context"]["page"] == {key: value for key, value in FULL.items() if key != "anonymousId"}


def test_options_page_gives_the_properties_the_call_lacks(loaded: Analytics) -> None:
    """getUpdatedPageProperties: "should return updated page properties if default page properties are
    overridden via options and input page parameters are not defined"."""
    options_page = dict(FULL, path="/test2", search="?test=false", title="test page 2",
                        url="https://www.rudderlabs.com/test2", tab_url="https://www.rudderlabs.com/test2",
                        initial_referrer="https://www.google.com/test2")
    message = loaded.page({}, {"page": options_page})
    assert message["properties"] == {key: value for key, value in options_page.items() if key != "anonymousId"}


def test_what_neither_gives_comes_from_the_page_and_the_visitor(loaded: Analytics) -> None:
    """getUpdatedPageProperties: "should return updated page properties from state if some page properties are not
    defined in options and input page parameters are not defined"."""
    properties = {key: value for key, value in FULL.items()
                  if key not in ("initial_referrer", "initial_referring_domain", "tab_url", "path", "referrer")}
    message = loaded.page(properties, {"page": {"path": "/test2", "referrer": "https://www.google.com/test"}})
    assert message["properties"] == dict(FULL, path="/test2", referrer="https://www.google.com/test",
                                         tab_url="https://www.test-host.com/",
                                         initial_referrer="https://test.com/page", initial_referring_domain="test.com")


def test_context_page_takes_the_page_calls_properties(loaded: Analytics) -> None:
    """getContextPageProperties: "should return input page properties if input page properties are valid" and
    "should return page properties from state if some input page parameters are not defined" (here: empty)."""
    expected = {key: value for key, value in FULL.items() if key != "anonymousId"}
    assert loaded.page(FULL)["context"]["page"] == expected
    message = loaded.page(dict(FULL, path="", search=None))
    assert message["context"]["page"] == dict(expected, path="/", search="")
    assert (message["properties"]["path"], message["properties"]["search"]) == ("", None)


def test_a_page_calls_own_facts_feed_context_page(loaded: Analytics) -> None:
    """getEnrichedEvent: "should return processed event ...": the page call's path and referrer are in
    ``context.page``; what it does not give (here ``referring_domain``) is the page's own."""
    message = loaded.page("test_category", "test_name", {"path": "/test", "referrer": "https://www.google.com/test"})
    assert message["context"]["page"] == {
        "path": "/test", "referrer": "https://www.google.com/test", "referring_domain": "", "search": "",
        "title": "", "url": "https://www.test-host.com/", "tab_url": "https://www.test-host.com/",
        "initial_referrer": "https://test.com/page", "initial_referring_domain": "test.com"}
    assert message["context"]["campaign"] == {}


def test_the_page_event(loaded: Analytics) -> None:
    """RudderEventFactory.test.ts: "should generate a page event if page event data is provided"."""
    message = loaded.page("category", "name", {"key": "value", "name": "name", "category": "category"},
                          {"page": {"path": "/NewPage", "referrer": "https://sample.com/NewPage",
                                    "referring_domain": "https://sample.com"}})
    page = {"path": "/NewPage", "referrer": "https://sample.com/NewPage", "referring_domain": "https://sample.com",
            "search": "", "title": "", "url": "https://www.test-host.com/", "tab_url": "https://www.test-host.com/",
            "initial_referrer": "https://test.com/page", "initial_referring_domain": "test.com"}
    assert (message["type"], message["name"], message["category"], message["event"]) == ("page", "name", "category",
                                                                                         None)
    assert message["properties"] == dict(page, category="category", name="name", key="value")
    assert message["context"]["page"] == page


def test_every_message_carries_the_page(loaded: Analytics) -> None:
    """RudderEventFactory.test.ts, the track event: ``context.page`` is the page's own facts."""
    assert loaded.track("Sample event")["context"]["page"] == {
        "path": "/", "referrer": "$direct", "referring_domain": "", "search": "", "title": "",
        "url": "https://www.test-host.com/", "tab_url": "https://www.test-host.com/",
        "initial_referrer": "https://test.com/page", "initial_referring_domain": "test.com"}


# -- the initial referrer, stored --------------------------------------------------------------------------------

def test_the_first_referrer_is_stored_in_rudderstacks_keys(agent: RecordingAgent) -> None:
    """The visitor's first referrer and its domain are stored under RudderStack's keys, in its encoding
    (cookieUtilities.test.ts reads them as ``RS_ENC_v3_`` values), and kept on later pages."""
    store = MemoryStore()
    first = Analytics(agent=agent, store=store, environment=FixedEnvironment(
        PageInfo(url="https://shop.example.com/", referrer="https://www.google.com/search?q=shoes")))
    first.load("KEY")
    assert store.get("rl_page_init_referrer") == "RS_ENC_v3_" + "Imh0dHBzOi8vd3d3Lmdvb2dsZS5jb20vc2VhcmNoP3E9c2hvZXMi"
    assert store.get("rl_page_init_referring_domain") == "RS_ENC_v3_" + "Ind3dy5nb29nbGUuY29tIg=="
    later = Analytics(agent=agent, store=store, environment=FixedEnvironment(
        PageInfo(url="https://shop.example.com/cart", referrer="https://shop.example.com/")))
    later.load("KEY")
    page = later.track("e")["context"]["page"]
    assert (page["referrer"], page["initial_referrer"], page["initial_referring_domain"]) == (
        "https://shop.example.com/", "https://www.google.com/search?q=shoes", "www.google.com")


def test_a_direct_visit_stores_direct_and_no_domain(agent: RecordingAgent) -> None:
    store = MemoryStore()
    analytics = Analytics(agent=agent, store=store, environment=FixedEnvironment(TEST_HOST))
    analytics.load("KEY")
    page = analytics.track("e")["context"]["page"]
    assert (page["initial_referrer"], page["initial_referring_domain"]) == ("$direct", "")
    assert store.get("rl_page_init_referrer") == "RS_ENC_v3_" + "IiRkaXJlY3Qi"
    assert store.get("rl_page_init_referring_domain") is None


# -- campaign, and what Pendo gets ----------------------------------------------------------------------------

def test_campaign_comes_from_the_pages_utm_parameters(agent: RecordingAgent) -> None:
    analytics = Analytics(agent=agent, environment=FixedEnvironment(PageInfo(
        url="https://shop.example.com/?utm_source=news&utm_campaign=spring", path="/",
        search="?utm_source=news&utm_campaign=spring")))
    analytics.load("KEY")
    assert analytics.track("e")["context"]["campaign"] == {"source": "news", "name": "spring"}
    assert analytics.track("e", None, {"campaign": {"term": "x"}})["context"]["campaign"] == {
        "source": "news", "name": "spring", "term": "x"}


@pytest.mark.parametrize(("properties", "options", "url"), [
    (None, None, "https://www.test-host.com/"),
    ({"url": "https://www.test-host.com/virtual#step-2"}, None, "https://www.test-host.com/virtual#step-2"),
    (None, {"page": {"url": "https://www.test-host.com/from-options"}}, "https://www.test-host.com/from-options"),
])
def test_pendo_gets_the_url_the_message_carries(loaded: Analytics, agent: RecordingAgent, properties, options,
                                                url) -> None:
    message = loaded.page("Docs", properties=properties, options=options)
    assert message["properties"]["url"] == url
    assert agent.of("pageLoad")[-1] == [url]
