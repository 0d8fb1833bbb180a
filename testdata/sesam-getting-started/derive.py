# How expected/ was written: one reading of the Sesam docs' semantics, for
# the getting-started config only (namespaces, the DTL functions it uses, the
# merge source version 2 with identity "first" and the default strategy, the
# csv_endpoint sink). Kept for review; no test runs it, and sluice never
# writes expected/. Usage:
#   python3 derive.py ../sesam-docs/getting-started-config/getting-started-config.json expected
import json, sys, csv, io, os
cfg = json.load(open(sys.argv[1]))
out = sys.argv[2]
pipes = {o['_id']: o for o in cfg if o['type'] == 'pipe'}

def ns_add(pipe, e):
    r = {}
    for k, v in e.items():
        if k == '_id':
            r[k] = v if ':' in v else pipe + ':' + v
        elif k.startswith('_') or ':' in k:
            r[k] = v
        else:
            r[pipe + ':' + k] = v
    return r

def get(e, prop):
    # namespace-aware path: an unqualified name matches in every namespace
    if prop in e:
        return e[prop]
    if ':' not in prop:
        vals = [v for k, v in e.items() if ':' in k and k.rsplit(':', 1)[1] == prop]
        if len(vals) == 1:
            return vals[0]
        if len(vals) > 1:
            raise Exception('ambiguous ' + prop)
    return None

def ni(ns, v):
    return '~:' + ns + ':' + v

def inbound(pid):
    p = pipes[pid]
    ents = p['source']['entities'] if p['source']['type'] == 'embedded' else p['source']['alternatives']['test']['entities']
    res = []
    for raw in ents:
        s = ns_add(pid, raw)
        t = {}
        if pid == 'udir-postalcode':
            fylke = get(s, 'FylkeNummer')
            keep = fylke in ["03","11","15","18","30","34","38","42","46","50","54"] and get(s, 'ArvtakerPostnummerDataIdListe') is None
            if not keep:
                continue
            t['_id'] = pid + ':' + get(s, 'PostNummer')
            for a, b in [('KommuneNummer', 'municipality'), ('PostNummer', 'postalcode'), ('PostSted', 'city')]:
                t[pid + ':' + b] = s[pid + ':' + a]
            t['rdf:type'] = ni('udir', 'postalcode')
            res.append(t)
            continue
        t = dict(s)  # copy *
        if pid == 'crm-person':
            t['crm-person:SSN-ni'] = ni('hr-person', s['crm-person:SSN'])
            t['rdf:type'] = ni('crm', 'person')
        elif pid == 'erp-person':
            t['rdf:type'] = ni('erp', 'person')
            t['erp-person:SSN-ni'] = ni('hr-person', get(s, 'SSN'))
        elif pid in ('hr-person', 'salesforce-userprofile', 'salesforce-consent'):
            a, b = {'hr-person': ('hr', 'person'), 'salesforce-userprofile': ('salesforce', 'userprofile'), 'salesforce-consent': ('salesforce', 'consent')}[pid]
            t['rdf:type'] = ni(a, b)
        elif pid == 'mailerlite-person':
            t['_id'] = pid + ':' + get(s, 'socialsecuritynumber')
            t['mailerlite-person:SSN-ni'] = ni('hr-person', get(s, 'socialsecuritynumber'))
            t['rdf:type'] = ni('mailerlite', 'person')
        elif pid == 'webshop-order':
            t['_id'] = pid + ':' + str(get(s, 'id'))
            # make-ni ignores non-string values: customerId is a number, so no customerId-ni
            assert all(not isinstance(raw2.get('customerId'), str) for raw2 in ents)
            t['rdf:type'] = ni('webshop', 'order')
        res.append(t)
    return res

ds = {}
for pid in ['crm-person', 'erp-person', 'hr-person', 'salesforce-userprofile', 'salesforce-consent', 'mailerlite-person', 'webshop-order', 'udir-postalcode']:
    ds[pid] = inbound(pid)

def ids_of(e):
    return e['$ids'] if '$ids' in e else [ '~:' + e['_id'] ]

def as_list(v):
    return v if isinstance(v, list) else [v]

def merge(pid):
    src = pipes[pid]['source']
    names = [d.split() for d in src['datasets']]
    alias = {a: i for i, (d, a) in enumerate(names)}
    nodes = []  # (offset, _id, entity)
    for i, (d, a) in enumerate(names):
        for e in ds[d]:
            nodes.append((i, e['_id'], e))
    parent = list(range(len(nodes)))
    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    def values(e, path):
        prop = path
        if prop == '$ids':
            return ids_of(e)
        v = get(e, prop)
        return [x for x in as_list(v) if x is not None] if v is not None else []
    for rule in src.get('equality', []):
        _, l, r = rule
        la, lp = l.split('.', 1); ra, rp = r.split('.', 1)
        for x, (oi, _, ex) in enumerate(nodes):
            if oi != alias[la]: continue
            for y, (oj, _, ey) in enumerate(nodes):
                if oj != alias[ra]: continue
                if set(map(json.dumps, values(ex, lp))) & set(map(json.dumps, values(ey, rp))):
                    parent[find(x)] = find(y)
    groups = {}
    for x in range(len(nodes)):
        groups.setdefault(find(x), []).append(nodes[x])
    res = []
    for g in groups.values():
        g.sort(key=lambda n: (n[0], n[1]))
        m = {'_id': g[0][1]}
        allids = []
        for _, _, e in g:
            allids += ids_of(e)
            for k, v in e.items():
                if k.startswith('_') or k == '$ids':
                    continue
                if k in m:
                    m[k] = as_list(m[k]) + as_list(v)
                else:
                    m[k] = v
        m['$ids'] = allids
        res.append(m)
    return res

ds['merged-person'] = merge('merged-person')
ds['global-location'] = merge('global-location')

def coalesce(*vals):
    for v in vals:
        for x in as_list(v) if v is not None else []:
            if x is not None:
                return x
    return None

gp = []
for s in ds['merged-person']:
    t = dict(s)
    G = lambda k: s.get(k)
    t['global-person:firstname'] = coalesce(G('hr-person:GivenName'), G('crm-person:FirstName'), G('erp-person:GivenName'))
    t['global-person:middle-initial'] = coalesce(G('hr-person:MiddleInitial'), G('crm-person:MiddleInitial'), G('erp-person:MiddleInitial'))
    t['global-person:lastname'] = coalesce(G('hr-person:Surname'), G('crm-person:LastName'), G('erp-person:Surname'))
    parts = [t['global-person:firstname'], (t['global-person:middle-initial'] + '.') if t['global-person:middle-initial'] is not None else None, t['global-person:lastname']]
    t['global-person:fullname'] = ' '.join(p for p in parts if isinstance(p, str))
    t['global-person:address'] = coalesce(G('crm-person:Address'), G('hr-person:StreetAddress'), G('erp-person:StreetAddress'))
    zipc = coalesce(G('hr-person:ZipCode'), G('crm-person:PostalCode'), G('erp-person:ZipCode'))
    t['global-person:zipcode'] = zipc
    cities = [l['udir-postalcode:city'] for l in ds['global-location'] if zipc is not None and zipc in as_list(l['udir-postalcode:postalcode'])]
    t['global-person:city'] = cities[0] if cities else None
    t['global-person:country'] = coalesce(G('hr-person:Country'), G('erp-person:Country'))
    t['global-person:gender'] = coalesce(G('hr-person:Gender'), G('crm-person:Gender'), G('erp-person:Gender'))
    gp.append(t)
ds['global-person'] = gp

pac = []
for s in gp:
    types = as_list(s.get('rdf:type'))
    if not set(types) & {'~:crm:person', '~:hr:person', '~:erp:person'}:
        continue
    t = {'_id': s['_id']}
    t['person-address-csv:Name'] = s['global-person:fullname']
    t['person-address-csv:Address'] = s['global-person:address']
    t['person-address-csv:Postal'] = ''.join(p for p in [s['global-person:zipcode'], ' ', s['global-person:city']] if isinstance(p, str))
    t['person-address-csv:Country'] = s['global-person:country']
    pac.append(t)
ds['person-address-csv'] = pac

os.makedirs(out, exist_ok=True)
for name, ents in ds.items():
    ents = sorted(ents, key=lambda e: e['_id'])
    with open(os.path.join(out, name + '.json'), 'w') as f:
        f.write('[\n' + ',\n'.join(json.dumps(e, ensure_ascii=False, sort_keys=True) for e in ents) + '\n]\n')
# the csv endpoint: remove_namespaces, columns, minimal quoting, CRLF, header
buf = io.StringIO()
w = csv.writer(buf, lineterminator='\r\n')
w.writerow(['Name', 'Address', 'Postal', 'Country'])
for e in sorted(pac, key=lambda e: e['_id']):
    w.writerow([e.get('person-address-csv:' + c) for c in ['Name', 'Address', 'Postal', 'Country']])
open(os.path.join(out, 'person-address-csv-endpoint.csv'), 'w', newline='').write(buf.getvalue())
for name, ents in ds.items():
    print(name, len(ents))
