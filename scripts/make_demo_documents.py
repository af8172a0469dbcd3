#!/usr/bin/env python3
"""Builds src/main/resources/kembed/demo/documents.jsonl, the documents `kembed demo` produces.

Short documents are written for kembed (topic groups, so the nearest-neighbour table has something
to find); long ones are verbatim texts whose licences allow redistribution: Debian's copies of
software licences (/usr/share/common-licenses) and chapters 1-9 of the Vim user manual (Open
Publication License, /usr/share/vim/vim90/doc). Run on a Debian machine with vim-runtime installed.
"""
import json, os

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "src", "main", "resources", "kembed", "demo", "documents.jsonl")

short = {
 "kafka-partitions": "Kafka stores every topic as a set of partitions. Each partition is an ordered, append-only log, and every record in it has an offset. Producers choose the partition from the record key, so all events for one key stay in order. Brokers replicate partitions to followers, and if the leader fails a follower with a complete copy takes over. Consumers read a partition sequentially and remember how far they got by committing offsets.",
 "kafka-consumer-groups": "A consumer group lets several processes share the work of reading a topic. The group coordinator assigns each partition to exactly one member. When a member joins or leaves, the group rebalances and partitions move. Offsets are committed per partition, so a new owner resumes where the old one stopped. With transactions and read_committed isolation, a stream processor can read, update its state and write results atomically, which gives exactly-once processing.",
 "stream-processing-state": "Stream processors often keep state: counts, joins, windows of recent events. Kafka Streams keeps that state in local stores backed by changelog topics. After a crash, a task restores its stores by replaying the changelog, then continues from the committed offsets. Because the output, the state changes and the offsets commit together in one transaction, no event is lost or counted twice.",
 "bread-baking": "To bake a simple loaf, mix flour, water, salt and yeast into a shaggy dough. Knead it for ten minutes until it is smooth and elastic, then let it rise in a warm place until it has doubled. Shape it gently, let it rise again, and bake it in a very hot oven. The crust browns and the loaf sounds hollow when tapped underneath. Let it cool before slicing or the crumb will be gummy.",
 "sourdough-starter": "A sourdough starter is a culture of wild yeast and lactic acid bacteria living in flour and water. Feed it every day by discarding part of it and adding fresh flour and water. After a week it should double within a few hours of feeding and smell pleasantly sour. Use it at its peak to leaven bread; the long fermentation gives sourdough its tang, its open crumb and its keeping quality.",
 "pasta-sauce": "For a quick tomato sauce, warm olive oil with sliced garlic until it is fragrant but not brown. Add a tin of crushed tomatoes, a pinch of salt and a little chilli, and simmer for twenty minutes until it thickens. Toss it with freshly cooked pasta and a splash of the cooking water, then finish with basil and grated cheese. Good ingredients matter more than a complicated recipe.",
 "solar-system": "The solar system formed about four and a half billion years ago from a collapsing cloud of gas and dust. The Sun holds almost all of its mass. The four inner planets are small and rocky; the outer giants Jupiter and Saturn are made mostly of hydrogen and helium, while Uranus and Neptune contain more ices. Beyond Neptune lies the Kuiper belt, home to Pluto and many other icy bodies.",
 "black-holes": "A black hole is a region of space where gravity is so strong that nothing, not even light, can escape once it crosses the event horizon. Stellar black holes form when massive stars collapse at the end of their lives. Supermassive black holes, millions or billions of times heavier than the Sun, sit at the centres of galaxies. Astronomers detect them from the motion of nearby stars, from glowing accretion disks and from gravitational waves.",
 "telescopes": "Telescopes collect light so that we can see faint and distant objects. Refractors use lenses and reflectors use mirrors; the largest modern telescopes have segmented mirrors many metres across. Because the atmosphere blurs starlight and absorbs infrared and ultraviolet light, some observatories are placed in space. Radio telescopes observe much longer wavelengths and can be linked across continents to act as one giant dish.",
 "football-match": "The match ended in a two-all draw after a dramatic second half. The home side led at the break through a header from a corner, but the visitors equalised within minutes of the restart and then went ahead from the penalty spot. With the crowd on its feet, the home striker volleyed in a late equaliser. Both managers said afterwards that a point was a fair result.",
 "marathon-training": "Training for a marathon takes months of steady work. Most plans build the weekly distance gradually, with one long run each weekend that grows towards thirty kilometres. Easy runs make up most of the mileage, while intervals and tempo runs improve speed. Rest days matter as much as hard sessions, and runners taper in the last weeks so that they reach the start line fresh.",
 "antibiotics": "Antibiotics are medicines that kill bacteria or stop them from multiplying. They do not work against viruses such as those that cause colds and influenza. Taking antibiotics when they are not needed, or stopping a course early, encourages resistant bacteria to spread. Doctors therefore prescribe them only for bacterial infections and choose the narrowest drug that will work.",
 "vaccines": "Vaccines train the immune system to recognise a pathogen without causing the disease. They contain weakened or inactivated microbes, pieces of them, or instructions for making a harmless protein. After vaccination the body produces antibodies and memory cells, so a later infection is fought off quickly. When enough people are immune, outbreaks stop spreading, which also protects those who cannot be vaccinated.",
 "sleep-health": "Adults need about seven to nine hours of sleep a night. During sleep the brain consolidates memories and the body repairs tissue. Regular bedtimes, a dark and cool bedroom and avoiding screens and caffeine late in the day all help. Long-term sleep deprivation is linked to higher risks of heart disease, diabetes, depression and accidents.",
 "vegetable-garden": "A vegetable garden needs at least six hours of sun a day and well-drained soil rich in organic matter. Dig in compost before planting, water deeply but not too often, and mulch to keep moisture in and weeds down. Rotate crops each year so that pests and diseases do not build up. Tomatoes, beans, lettuce and courgettes are easy crops for beginners.",
 "composting": "Composting turns kitchen scraps and garden waste into a dark, crumbly soil improver. Mix green material such as vegetable peelings and grass cuttings with brown material such as dry leaves, straw and cardboard. Keep the heap moist and turn it now and then to let air in. In a few months microbes, worms and fungi break everything down into compost for the garden.",
 "railway-history": "The first public railways in the early nineteenth century carried coal and then passengers behind steam locomotives. Within a few decades lines crossed whole countries, cutting journeys from days to hours and creating standard time so that timetables could work. Railway companies built stations, bridges and tunnels on a scale never seen before, and towns grew up around junctions and workshops.",
 "industrial-revolution": "The industrial revolution began in Britain in the late eighteenth century. Machines driven by water and then by steam moved spinning and weaving from homes into factories. Coal and iron production rose sharply, canals and later railways carried goods, and people moved from the countryside to fast-growing cities. Wages, working hours and living conditions changed profoundly, prompting new laws and trade unions.",
 "orchestra-concert": "The orchestra tuned to the oboe's A while the hall filled. The conductor raised the baton and the symphony opened with a quiet theme in the violins, answered by flutes and clarinets. The brass entered with the full melody in the finale, and the timpani drove the music to its last chord. The audience stood and applauded for several minutes.",
 "jazz-improvisation": "Jazz musicians improvise over the chord changes of a tune. After the band plays the melody, each soloist takes a turn inventing new lines that fit the harmony, while the bass walks and the drummer keeps time and answers with accents. Good improvisers listen closely to one another, quote earlier phrases and build their solos like stories with tension and release.",
 "password-reset": "To reset your password, open the sign-in page and choose 'Forgot password'. Enter the e-mail address of your account and we will send you a link that is valid for one hour. Follow the link, choose a new password of at least twelve characters, and sign in again. If the e-mail does not arrive, check your spam folder or contact support.",
 "account-security": "Protect your account with a long, unique password and turn on two-factor authentication. With two-factor authentication, signing in needs both your password and a code from an app or a security key, so a stolen password alone is not enough. Never share verification codes, and review the list of signed-in devices regularly to spot anything you do not recognise.",
}

licences = {
    "licence-gpl-3": "/usr/share/common-licenses/GPL-3",
    "licence-lgpl-2.1": "/usr/share/common-licenses/LGPL-2.1",
    "licence-apache-2.0": "/usr/share/common-licenses/Apache-2.0",
    "licence-mpl-2.0": "/usr/share/common-licenses/MPL-2.0",
    "licence-gfdl-1.3": "/usr/share/common-licenses/GFDL-1.3",
}
vim = [f"/usr/share/vim/vim90/doc/usr_0{i}.txt" for i in range(1, 10)]

with open(out, "w", encoding="utf-8") as f:
    for doc_id, text in short.items():
        f.write(json.dumps({"id": doc_id, "text": text, "metadata": {"source": "written for kembed"}}) + "\n")
    for doc_id, path in licences.items():
        text = open(path, encoding="utf-8").read()
        f.write(json.dumps({"id": doc_id, "text": text, "metadata": {"source": path, "licence": "verbatim copy"}}) + "\n")
    manual = "\n".join(open(p, encoding="utf-8").read() for p in vim)
    f.write(json.dumps({"id": "vim-user-manual-1-9", "text": manual,
                        "metadata": {"source": "Vim user manual ch. 1-9 by Bram Moolenaar", "licence": "Open Publication License"}}) + "\n")
print("wrote", out)
