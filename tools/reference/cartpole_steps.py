# The expected cart-pole states in tests/Dojo.Domain.Tests/EnvironmentTests.cs: Gym CartPole-v1's step (explicit
# Euler), written out independently of Dojo's C#. Run: python3 tools/reference/cartpole_steps.py
import math
g,mc,mp,l,F,tau=9.8,1.0,0.1,0.5,10.0,0.02
tm=mc+mp; pml=mp*l
s=[0.01,-0.02,0.03,0.04]
acts=[1,1,0,1,0,0,0,1,1,1]
for a in acts:
    x,xd,th,thd=s
    f=F if a==1 else -F
    c,sn=math.cos(th),math.sin(th)
    t=(f+pml*thd*thd*sn)/tm
    ta=(g*sn-c*t)/(l*(4.0/3.0-mp*c*c/tm))
    xa=t-pml*ta*c/tm
    s=[x+tau*xd, xd+tau*xa, th+tau*thd, thd+tau*ta]
print(", ".join(repr(v) for v in s))
s=[0,0,0,0]; x,xd,th,thd=s
t=(10+0)/tm; ta=(0-1*t)/(l*(4/3-mp/tm)); xa=t-pml*ta/tm
print(repr(xd+tau*xa), repr(thd+tau*ta))
