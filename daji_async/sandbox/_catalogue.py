"""A deterministic, seeded catalogue of offers that look like 1688's.

Subjects are Chinese, built from a small product vocabulary, with translations in the
service's languages (th, id and ar fall back to English). Prices are decimal strings;
about a third of offers carry 精选货源 (jxhy) prices, the rest null ones. The same seed
always gives the same catalogue, so tests can rely on exact results.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..models.orders import fen_to_yuan

LANGS = ("en", "ru", "ja", "ko", "vi", "fr", "pt", "es")

# (zh, category id, translations in LANGS order)
NOUNS: list[tuple[str, int, tuple[str, ...]]] = [
    ("连衣裙", 10166, ("Dress", "Платье", "ワンピース", "원피스", "Váy liền", "Robe", "Vestido", "Vestido")),
    ("半身裙", 10166, ("Skirt", "Юбка", "スカート", "치마", "Chân váy", "Jupe", "Saia", "Falda")),
    ("T恤", 10166, ("T-shirt", "Футболка", "Tシャツ", "티셔츠", "Áo thun", "T-shirt", "Camiseta", "Camiseta")),
    ("衬衫", 10166, ("Shirt", "Рубашка", "シャツ", "셔츠", "Áo sơ mi", "Chemise", "Camisa", "Camisa")),
    ("外套", 10166, ("Coat", "Пальто", "コート", "코트", "Áo khoác", "Manteau", "Casaco", "Abrigo")),
    (
        "休闲裤",
        10165,
        ("Casual Pants", "Брюки", "カジュアルパンツ", "캐주얼 바지", "Quần tây", "Pantalon", "Calça", "Pantalón"),
    ),
    (
        "短裤",
        10165,
        ("Shorts", "Шорты", "ショートパンツ", "반바지", "Quần short", "Short", "Bermuda", "Pantalón corto"),
    ),
    ("夹克", 10165, ("Jacket", "Куртка", "ジャケット", "재킷", "Áo jacket", "Veste", "Jaqueta", "Chaqueta")),
    (
        "运动鞋",
        1038378,
        ("Sneakers", "Кроссовки", "スニーカー", "운동화", "Giày thể thao", "Baskets", "Tênis", "Zapatillas"),
    ),
    (
        "凉鞋",
        1038378,
        ("Sandals", "Сандалии", "サンダル", "샌들", "Dép quai hậu", "Sandales", "Sandálias", "Sandalias"),
    ),
    ("靴子", 1038378, ("Boots", "Ботинки", "ブーツ", "부츠", "Giày bốt", "Bottes", "Botas", "Botas")),
    ("背包", 1042954, ("Backpack", "Рюкзак", "リュック", "백팩", "Ba lô", "Sac à dos", "Mochila", "Mochila")),
    ("手提包", 1042954, ("Handbag", "Сумка", "ハンドバッグ", "핸드백", "Túi xách", "Sac à main", "Bolsa", "Bolso")),
    ("钱包", 1042954, ("Wallet", "Кошелёк", "財布", "지갑", "Ví", "Portefeuille", "Carteira", "Cartera")),
    (
        "手机壳",
        7,
        (
            "Phone Case",
            "Чехол для телефона",
            "スマホケース",
            "휴대폰 케이스",
            "Ốp điện thoại",
            "Coque",
            "Capa de celular",
            "Funda de móvil",
        ),
    ),
    (
        "数据线",
        7,
        (
            "Data Cable",
            "Кабель",
            "データケーブル",
            "데이터 케이블",
            "Cáp sạc",
            "Câble",
            "Cabo de dados",
            "Cable de datos",
        ),
    ),
    (
        "耳机",
        7,
        ("Earphones", "Наушники", "イヤホン", "이어폰", "Tai nghe", "Écouteurs", "Fones de ouvido", "Auriculares"),
    ),
    (
        "充电器",
        7,
        ("Charger", "Зарядное устройство", "充電器", "충전기", "Bộ sạc", "Chargeur", "Carregador", "Cargador"),
    ),
    ("水杯", 15, ("Water Cup", "Кружка", "タンブラー", "물컵", "Cốc nước", "Gobelet", "Copo", "Vaso")),
    (
        "收纳盒",
        15,
        (
            "Storage Box",
            "Органайзер",
            "収納ボックス",
            "수납함",
            "Hộp đựng",
            "Boîte de rangement",
            "Caixa organizadora",
            "Caja organizadora",
        ),
    ),
    ("抱枕", 15, ("Throw Pillow", "Подушка", "クッション", "쿠션", "Gối ôm", "Coussin", "Almofada", "Cojín")),
    ("毛巾", 15, ("Towel", "Полотенце", "タオル", "수건", "Khăn tắm", "Serviette", "Toalha", "Toalla")),
    (
        "毛绒玩具",
        1813,
        ("Plush Toy", "Мягкая игрушка", "ぬいぐるみ", "봉제 인형", "Thú nhồi bông", "Peluche", "Pelúcia", "Peluche"),
    ),
    (
        "积木",
        1813,
        (
            "Building Blocks",
            "Конструктор",
            "ブロック",
            "블록",
            "Đồ chơi xếp hình",
            "Blocs",
            "Blocos de montar",
            "Bloques",
        ),
    ),
]

ADJECTIVES: list[tuple[str, tuple[str, ...]]] = [
    ("夏季", ("Summer", "Летний", "夏の", "여름", "Mùa hè", "D'été", "De verão", "De verano")),
    ("冬季", ("Winter", "Зимний", "冬の", "겨울", "Mùa đông", "D'hiver", "De inverno", "De invierno")),
    ("新款", ("New", "Новый", "新作", "신상", "Mới", "Nouveau", "Novo", "Nuevo")),
    (
        "韩版",
        (
            "Korean Style",
            "Корейский",
            "韓国風",
            "한국 스타일",
            "Kiểu Hàn",
            "Style coréen",
            "Estilo coreano",
            "Estilo coreano",
        ),
    ),
    ("宽松", ("Loose", "Свободный", "ゆったり", "루즈핏", "Rộng", "Ample", "Solto", "Holgado")),
    ("修身", ("Slim", "Приталенный", "スリム", "슬림", "Ôm", "Ajusté", "Slim", "Entallado")),
    ("纯棉", ("Cotton", "Хлопковый", "綿", "면", "Cotton", "En coton", "De algodão", "De algodón")),
    (
        "防水",
        (
            "Waterproof",
            "Водонепроницаемый",
            "防水",
            "방수",
            "Chống nước",
            "Imperméable",
            "À prova d'água",
            "Impermeable",
        ),
    ),
    ("便携", ("Portable", "Портативный", "携帯用", "휴대용", "Di động", "Portable", "Portátil", "Portátil")),
    (
        "简约",
        ("Minimalist", "Минималистичный", "シンプル", "심플", "Tối giản", "Minimaliste", "Minimalista", "Minimalista"),
    ),
    ("复古", ("Vintage", "Винтажный", "レトロ", "빈티지", "Cổ điển", "Vintage", "Vintage", "Vintage")),
    ("卡通", ("Cartoon", "Мультяшный", "キャラクター", "캐릭터", "Hoạt hình", "Dessin animé", "Desenho", "De dibujos")),
    ("高端", ("Premium", "Премиум", "高級", "프리미엄", "Cao cấp", "Haut de gamme", "Premium", "Premium")),
    (
        "厂家直销",
        (
            "Factory Direct",
            "От производителя",
            "工場直販",
            "공장 직판",
            "Trực tiếp từ xưởng",
            "Direct usine",
            "Direto da fábrica",
            "Directo de fábrica",
        ),
    ),
]

#: The category tree served by /alibaba/category/get: id -> (zh name, en name, parent id).
CATEGORIES: dict[int, tuple[str, str, int]] = {
    0: ("全部类目", "All categories", -1),
    1031910: ("服装", "Apparel", 0),
    10166: ("女装", "Women's Clothing", 1031910),
    10165: ("男装", "Men's Clothing", 1031910),
    1038378: ("鞋", "Shoes", 0),
    1042954: ("箱包皮具", "Luggage & Bags", 0),
    7: ("数码、电脑", "Digital & Computers", 0),
    15: ("日用百货", "Home & Daily Use", 0),
    1813: ("玩具", "Toys", 0),
}

SELLER_IDENTITIES = ("super_factory", "powerful_merchants", "tp_member")
PROVINCES = ("浙江省 金华市", "广东省 广州市", "广东省 深圳市", "福建省 泉州市", "江苏省 苏州市", "河北省 保定市")
COLORS = (("黑色", "Black"), ("白色", "White"), ("红色", "Red"), ("蓝色", "Blue"), ("灰色", "Grey"), ("粉色", "Pink"))
SIZES = ("S", "M", "L", "XL", "XXL")


def lang_index(country: str) -> int:
    """Index into the translation tuples; unknown languages fall back to English."""
    try:
        return LANGS.index(country)
    except ValueError:
        return 0


@dataclass
class Offer:
    """One offer of the catalogue, with everything search and detail need."""

    offer_id: int
    noun: int
    adjectives: tuple[int, ...]
    category_id: int
    price_fen: int
    jxhy: bool
    month_sold: int
    repurchase: int
    one_psale: bool
    identities: tuple[str, ...]
    seller: int
    ship_48h: bool
    new_days: int
    image_key: str
    suffix: int
    cache: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def subject(self) -> str:
        return "".join(ADJECTIVES[a][0] for a in self.adjectives) + NOUNS[self.noun][0] + f" {self.suffix}号"

    def subject_trans(self, country: str) -> str:
        i = lang_index(country)
        words = [ADJECTIVES[a][1][i] for a in self.adjectives] + [NOUNS[self.noun][2][i]]
        return " ".join(words) + f" No.{self.suffix}"

    @property
    def price(self) -> str:
        return yuan_text(self.price_fen)

    @property
    def seller_open_id(self) -> str:
        return seller_open_id(self.seller)


def yuan_text(fen: int) -> str:
    """Fen (分) as the decimal yuan string the service sends: 3450 -> "34.50" (the SDK's conversion)."""
    return str(fen_to_yuan(fen))


def seller_open_id(index: int) -> str:
    return "BBBm" + hashlib.sha1(f"seller-{index}".encode()).hexdigest()[:20]


class Catalogue:
    """All offers, indexed for the sandbox's searches."""

    def __init__(self, seed: int = 1688, size: int = 5000, sellers: int = 250) -> None:
        rng = random.Random(seed)
        self.seed = seed
        self.offers: list[Offer] = []
        self.by_id: dict[int, Offer] = {}
        used: set[int] = set()
        for _ in range(size):
            offer_id = rng.randrange(600_000_000_000, 999_999_999_999)
            while offer_id in used:
                offer_id = rng.randrange(600_000_000_000, 999_999_999_999)
            used.add(offer_id)
            noun = rng.randrange(len(NOUNS))
            adjectives = tuple(sorted(rng.sample(range(len(ADJECTIVES)), rng.choice((1, 2, 2, 3)))))
            identities = tuple(
                i for i in SELLER_IDENTITIES if rng.random() < (0.15, 0.3, 0.7)[SELLER_IDENTITIES.index(i)]
            )
            offer = Offer(
                offer_id=offer_id,
                noun=noun,
                adjectives=adjectives,
                category_id=NOUNS[noun][1],
                price_fen=rng.choice(
                    (rng.randrange(150, 3000), rng.randrange(1000, 20000), rng.randrange(5000, 90000))
                ),
                jxhy=rng.random() < 0.35,
                month_sold=int(rng.paretovariate(1.2) * 10) - 10,
                repurchase=rng.randrange(0, 60),
                one_psale=rng.random() < 0.8,
                identities=identities,
                seller=rng.randrange(sellers),
                ship_48h=rng.random() < 0.6,
                new_days=rng.randrange(0, 400),
                image_key=hashlib.sha1(f"{seed}-{offer_id}".encode()).hexdigest()[:22],
                suffix=rng.randrange(1, 999),
            )
            self.offers.append(offer)
            self.by_id[offer_id] = offer
        self.by_noun: dict[str, list[Offer]] = {}
        for offer in self.offers:
            self.by_noun.setdefault(NOUNS[offer.noun][0], []).append(offer)
        self.by_seller: dict[str, list[Offer]] = {}
        for offer in self.offers:
            self.by_seller.setdefault(offer.seller_open_id, []).append(offer)

    def sample(self, key: str, count: int) -> list[Offer]:
        """A deterministic pseudo-random selection of `count` offers for an arbitrary key."""
        digest = int.from_bytes(hashlib.sha256(f"{self.seed}:{key}".encode()).digest()[:8], "big")
        rng = random.Random(digest)
        count = min(count, len(self.offers))
        return [self.offers[i] for i in rng.sample(range(len(self.offers)), count)]

    def keyword_matches(self, keyword: str) -> list[Offer]:
        """Offers whose subject contains a vocabulary word of `keyword`, else a keyword-seeded sample.

        A keyword naming a product (连衣裙, 手机壳...) returns that product's offers, ordered by
        relevance (more adjectives of the keyword first); any other keyword returns a stable
        selection whose size depends on the keyword (from none to the service's cap).
        """
        keyword = keyword.strip()
        hits: list[Offer] = []
        for zh, offers in self.by_noun.items():
            if zh in keyword or keyword in zh:
                hits.extend(offers)
        if hits:
            wanted = {i for i, (zh, _) in enumerate(ADJECTIVES) if zh in keyword}
            if wanted:
                hits = [o for o in hits if wanted.intersection(o.adjectives)]
            return hits
        digest = int.from_bytes(hashlib.sha256(keyword.encode()).digest()[:4], "big")
        return self.sample("kw:" + keyword, digest % 2400)

    def detail_rng(self, offer: Offer) -> random.Random:
        return random.Random(offer.offer_id ^ self.seed)


def image_url(offer: Offer) -> str:
    return f"https://cbu01.alicdn.com/img/ibank/O1CN01{offer.image_key}_!!{2200000000000 + offer.seller}-0-cib.jpg"


def categories_of(parent: int) -> Sequence[int]:
    return [cid for cid, (_, _, p) in CATEGORIES.items() if p == parent]
