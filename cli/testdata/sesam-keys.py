# Regenerates cli/testdata/sesam-keys.json from Sesam's documentation:
# the properties each service-configuration page's tables list.
import re,subprocess,json
repo='/work/.mirror/datanav+docs/repo'
def show(p): return subprocess.run(['git','-C',repo,'show','HEAD:'+p],capture_output=True,text=True).stdout
files=subprocess.run(['git','-C',repo,'ls-tree','-r','--name-only','HEAD','hub/documentation/service-configuration/'],capture_output=True,text=True).stdout.split()
types={'sinks-email':'mail','sinks-http':'http_endpoint','sources-http':'http_endpoint','sinks-csv':'csv_endpoint','sinks-xml':'xml_endpoint',
 'sinks-replicated-dataset':'replicated_dataset','sources-merge-datasets':'merge_datasets','sources-union-datasets':'union_datasets',
 'transforms-json-schema-validation':None,'transforms-emit-children':'emit_children','systems-mssql':'sqlserver','systems-mssql-legacy':'mssql','systems-oracle-tns':'oracle_tns'}
out=[]
for f in files:
    if not f.endswith('.rst'): continue
    page=f.split('/')[-1][:-4].replace('configuration-','')
    m=re.match(r'(sources|sinks|transforms|systems)-(.*)',page)
    if page in ('pipes','pump','metadata'):
        kind,typ=page.rstrip('s'),None
    elif m:
        kind={'sources':'source','sinks':'sink','transforms':'transform','systems':'system'}[m.group(1)]
        typ=types.get(page, m.group(2).replace('-','_'))
        if page=='transforms-json-schema-validation':
            t=re.findall(r'"type": *"(json_schema[a-z_]*)"',show(f)); typ=t[0] if t else 'json_schema_validation'
    else: continue
    keys=[]
    for k in re.findall(r'^\s*\* - ``([A-Za-z0-9_.\-$]+)``',show(f),re.M):
        k=k.split('.')[0]
        if k[0].isupper() or k in keys: continue
        keys.append(k)
    out.append({'page':f,'kind':kind,'type':typ,'keys':keys})
json.dump(out,open('/work/main/cli/testdata/sesam-keys.json','w'),indent=1)
