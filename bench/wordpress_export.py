#!/usr/bin/env python3
"""Writes a large synthetic WordPress export (WXR 1.2) for timing `kiosque import wordpress` and
checking that its memory does not grow with the file: N posts of French text over nested
categories, a few hundred tags, 40 authors, one attachment per ten posts, after the posts.

    python3 bench/wordpress_export.py 20000 > /var/tmp/export.xml
    /usr/bin/time -v kiosque import wordpress /var/tmp/export.xml
"""
import random
import sys

WORDS = ("le la les un une des du de et à au aux pour dans sur par avec sans sous entre vers "
         "gouvernement ministre assemblée députés loi budget sécurité armée région commune "
         "marché prix coton récolte pluie saison école élèves enseignants santé hôpital médecins "
         "football Étalons match équipe sélection festival cinéma culture musique artistes "
         "Ouagadougou Bobo-Dioulasso Koudougou Ouahigouya Kaya Dori Fada Banfora Tenkodogo "
         "population jeunes femmes paysans commerçants transport route électricité eau projet "
         "développement coopération partenaires accord signature cérémonie rencontre annonce").split()


def sentence(rng, n):
    w = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(w).capitalize() + "."


def cdata(s):
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    rng = random.Random(42)
    out = sys.stdout
    out.write('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
              'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
              'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
              'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
              '<channel>\n<title>Synthétique</title><link>https://synthetique.example</link>'
              '<language>fr-FR</language><wp:wxr_version>1.2</wp:wxr_version>'
              '<wp:base_site_url>https://synthetique.example</wp:base_site_url>\n')
    for a in range(40):
        out.write(f"<wp:author><wp:author_login>{cdata(f'redac{a}')}</wp:author_login>"
                  f"<wp:author_display_name>{cdata(f'Rédacteur {a}')}</wp:author_display_name></wp:author>\n")
    cats = []
    for top in range(8):
        cats.append((f"rubrique-{top}", ""))
        for sub in range(4):
            cats.append((f"rubrique-{top}-{sub}", f"rubrique-{top}"))
    for i, (slug, parent) in enumerate(cats, start=1):
        out.write(f"<wp:category><wp:term_id>{i}</wp:term_id><wp:category_nicename>{cdata(slug)}"
                  f"</wp:category_nicename><wp:category_parent>{cdata(parent)}</wp:category_parent>"
                  f"<wp:cat_name>{cdata(slug.replace('-', ' ').title())}</wp:cat_name></wp:category>\n")
    tags = [f"sujet-{t}" for t in range(300)]
    for i, t in enumerate(tags, start=1000):
        out.write(f"<wp:tag><wp:term_id>{i}</wp:term_id><wp:tag_slug>{cdata(t)}</wp:tag_slug>"
                  f"<wp:tag_name>{cdata(t.replace('-', ' ').capitalize())}</wp:tag_name></wp:tag>\n")
    for p in range(1, n + 1):
        paragraphs = rng.choice([2, 4, 8, 16, 30])
        content = "\n\n".join(" ".join(sentence(rng, rng.randint(8, 20)) for _ in range(3))
                              for _ in range(paragraphs))
        title = sentence(rng, rng.randint(5, 11))[:-1]
        slug = f"article-{p}"
        day = 1 + p % 28
        month = 1 + (p // 28) % 12
        year = 2015 + (p // 336) % 10
        date = f"{year}-{month:02d}-{day:02d} {8 + p % 10:02d}:00:00"
        cat, _ = rng.choice(cats)
        ptags = "".join(f'<category domain="post_tag" nicename="{t}">{cdata(t)}</category>'
                        for t in rng.sample(tags, rng.randint(1, 5)))
        thumb = (f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{n + p}"
                 f"</wp:meta_value></wp:postmeta>") if p % 10 == 0 else ""
        status = "draft" if p % 50 == 0 else "publish"
        out.write(f"<item><title>{title}</title><link>https://synthetique.example/{year}/{month:02d}/{day:02d}/{slug}/</link>"
                  f"<dc:creator>{cdata(f'redac{p % 40}')}</dc:creator>"
                  f"<content:encoded>{cdata(content)}</content:encoded><excerpt:encoded>{cdata('')}</excerpt:encoded>"
                  f"<wp:post_id>{p}</wp:post_id><wp:post_date>{cdata(date)}</wp:post_date>"
                  f"<wp:post_date_gmt>{cdata(date)}</wp:post_date_gmt><wp:post_modified_gmt>{cdata(date)}</wp:post_modified_gmt>"
                  f"<wp:post_name>{cdata(slug)}</wp:post_name><wp:status>{cdata(status)}</wp:status>"
                  f"<wp:post_type>{cdata('post')}</wp:post_type>"
                  f'<category domain="category" nicename="{cat}">{cdata(cat)}</category>{ptags}{thumb}</item>\n')
    for p in range(10, n + 1, 10):
        out.write(f"<item><title>image {p}</title><wp:post_id>{n + p}</wp:post_id>"
                  f"<wp:post_type>{cdata('attachment')}</wp:post_type>"
                  f"<wp:attachment_url>{cdata(f'https://synthetique.example/wp-content/uploads/{p}.jpg')}</wp:attachment_url></item>\n")
    out.write("</channel>\n</rss>\n")


if __name__ == "__main__":
    main()
