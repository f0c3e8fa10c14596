#!/usr/bin/env python3
# Structure audit (not part of CI): largest files, longest functions, structs with many public
# fields, and the top-level module use-graph with its cycles.  python3 .ci/audit.py src
"""Audit: longest functions, largest files, structs with many pub fields, module use-graph cycles."""
import os,re,sys
root=sys.argv[1] if len(sys.argv)>1 else 'src'
funcs=[];structs=[];files=[]
uses={}
for dp,_,fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'): continue
        p=os.path.join(dp,f); L=open(p).read().split('\n'); files.append((len(L),p))
        mod=p[len(root)+1:-3].replace('/','::')
        uses[mod]=set(re.findall(r'crate::([a-z_]+)',open(p).read()))
        i=0
        while i<len(L):
            m=re.match(r'^(\s*)(pub(\([a-z]+\))? )?(const )?fn (\w+)',L[i])
            if m and not L[i].rstrip().endswith(';'):
                ind=m.group(1); j=i+1
                while j<len(L) and not (L[j].startswith(ind+'}') and len(L[j].rstrip())==len(ind)+1): j+=1
                funcs.append((j-i+1,p,m.group(5)))
            m=re.match(r'^(\s*)(pub(\([a-z]+\))? )?struct (\w+).*\{\s*$',L[i])
            if m:
                ind=m.group(1); j=i+1; n=0
                while j<len(L) and not L[j].startswith(ind+'}'):
                    if re.match(r'^\s*pub(\([a-z]+\))? \w+:',L[j]): n+=1
                    j+=1
                structs.append((n,p,m.group(4)))
            i+=1
print('largest files:',sorted(files)[-6:])
print('longest fns:',sorted(funcs)[-10:])
print('most pub fields:',sorted(structs)[-8:])
top={}
for m,u in uses.items():
    t=m.split('::')[0]; top.setdefault(t,set()).update(x for x in u if x!=t)
import itertools
cyc=[(a,b) for a in top for b in top[a] if b in top and a in top.get(b,())]
print('top-level module cycles:',sorted(set(tuple(sorted(c)) for c in cyc)))
for a in sorted(top): print('  ',a,'->',sorted(x for x in top[a] if x in top))
